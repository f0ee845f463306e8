// What the browser tests share: a fresh `pond init` project served by `pond ui` on a free port,
// Debian's headless Chromium (/usr/bin/chromium) driven by playwright-core from ui/node_modules,
// console errors collected per page, screenshots written to the output folder.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

// `prepare(projectDir)` may change the project before pond ui loads it.
export async function startHarness({ pond, sourceDir, outDir, prepare }) {
  const { chromium } = createRequire(path.resolve(sourceDir, "ui", "package.json"))("playwright-core");
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), "pond-ui-"));
  const project = path.join(work, "shop");
  execFileSync(pond, ["init", project], { stdio: "ignore" });
  if (prepare) prepare(project);

  // pond ui on a free port: the first line names the URL.
  const server = spawn(pond, ["ui", "--port", "0"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
  let serverErr = "";
  server.stderr.on("data", (d) => (serverErr += d));
  const base = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`pond ui did not start: ${out} ${serverErr}`)), 20000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on("exit", (code) => reject(new Error(`pond ui exited with ${code}: ${serverErr}`)));
  });

  const browser = await chromium.launch({
    executablePath: process.env.POND_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const consoleErrors = [];
  // Pages that ask for something that is not there on purpose: the browser logs the 4xx answer.
  const expectedHttpErrors = new Set();
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (expectedHttpErrors.has(page.url()) && /Failed to load resource: .* 40[049]/.test(m.text())) return;
    consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));

  let passed = 0;
  let failed = 0;
  return {
    base,
    project,
    page,
    consoleErrors,
    expectedHttpErrors,
    api: async (p, body) => {
      const r = await fetch(base + "/api/" + p, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      return r.json();
    },
    shot: (name) => page.screenshot({ path: path.join(outDir, `${name}.png`) }),
    async check(name, body) {
      const t0 = Date.now();
      try {
        await body();
        passed++;
        console.log(`ok   ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
      }
    },
    async finish() {
      await browser.close();
      server.kill("SIGINT");
      await new Promise((r) => server.on("exit", r));
      rmSync(work, { recursive: true, force: true });
      console.log(`${passed} passed, ${failed} failed`);
      return failed ? 1 : 0;
    },
  };
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
