// See bench/ui/run.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

const [pond, root, flag, value] = process.argv.slice(2);
const assets = flag === "--assets" ? Number(value) : 5000;
const { chromium } = createRequire(path.resolve(root, "ui", "package.json"))("playwright-core");

// A layered DAG: 50 layers, each model refs two models of earlier layers (deterministic).
const work = mkdtempSync(path.join(tmpdir(), "pond-ui-bench-"));
const project = path.join(work, "big");
mkdirSync(path.join(project, "models"), { recursive: true });
writeFileSync(path.join(project, "dbt_project.yml"), "name: big\nversion: '1.0'\nprofile: big\nmodel-paths: [models]\n");
writeFileSync(path.join(project, "profiles.yml"), "big:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: big.duckdb}\n");
writeFileSync(
  path.join(project, "pond.yml"),
  "partitions:\n  hourly: {type: hourly, start: 2015-01-01, timezone: UTC}\nassets:\n  big_partitioned: {run: 'true', partitions: hourly}\n",
);
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const perLayer = Math.ceil(assets / 50);
for (let i = 0; i < assets; i++) {
  const layer = Math.floor(i / perLayer);
  let sql = `select ${i} as id`;
  if (layer > 0) {
    const a = Math.floor(rand() * layer * perLayer), b = Math.floor(rand() * layer * perLayer);
    sql = `select * from {{ ref('m${a}') }}` + (b !== a ? ` union all select * from {{ ref('m${b}') }}` : "");
  }
  writeFileSync(path.join(project, "models", `m${i}.sql`), sql + "\n");
}

const server = spawn(pond, ["ui", "--port", "0"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
let err = "";
server.stderr.on("data", (d) => (err += d));
const t0 = Date.now();
const base = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
    if (m) resolve(m[1]);
  });
  server.on("exit", (c) => reject(new Error(`pond ui exited ${c}: ${err}`)));
});
const startMs = Date.now() - t0;

async function median(url, n) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    const r = await fetch(url);
    bytes = (await r.arrayBuffer()).byteLength;
    times.push(performance.now() - a);
  }
  const first = times[0];
  times.sort((x, y) => x - y);
  return { ms: times[Math.floor(n / 2)], first, bytes };
}
const info = await median(base + "/api/info", 20);
const graph = await median(base + "/api/graph", 10);

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const nav = performance.now();
await page.goto(base + "/assets");
await page.waitForFunction(() => window.__pondGraph && window.__pondGraph.nodes.length > 0, null, { timeout: 120000 });
const drawnMs = performance.now() - nav;
const g = await page.evaluate(() => window.__pondGraph);
const resources = await page.evaluate(() =>
  performance.getEntriesByType("resource").map((e) => `${e.name.replace(location.origin, "")} ${e.startTime.toFixed(0)}+${e.duration.toFixed(0)}ms`),
);
if (process.env.POND_BENCH_VERBOSE) console.log(resources.join("\n"));
// Pan/zoom frames: zoom in (detailed drawing) and pan; the page records the last frame's cost.
await page.mouse.move(900, 450);
const frames = [];
for (let i = 0; i < 10; i++) {
  await page.mouse.wheel(0, i < 5 ? -300 : 0);
  await page.mouse.down();
  await page.mouse.move(900 - i * 20, 450);
  await page.mouse.up();
  await page.waitForTimeout(30);
  frames.push(await page.evaluate(() => window.__pondGraph.frameMs));
}
frames.sort((a, b) => a - b);
await page.goto(base + "/assets/big_partitioned");
await page.waitForFunction(() => window.__pondHealthMs !== undefined, null, { timeout: 60000 });
const healthMs = await page.evaluate(() => window.__pondHealthMs);
const partitions = await page.evaluate(async () => (await (await fetch("/api/assets/big_partitioned")).json()).partition_health.count);
await browser.close();
server.kill("SIGINT");
await new Promise((r) => server.on("exit", r));
rmSync(work, { recursive: true, force: true });

const row = (what, ms, target, ref) =>
  console.log(`${what.padEnd(46)} ${ms.toFixed(1).padStart(9)} ms   target < ${String(target).padStart(5)} ms ${ms < target ? "ok" : "MISSED"}${ref ? `   (${ref})` : ""}`);
console.log(`pond ui on ${g.nodes.length} assets, ${g.edges.length} edges (started in ${startMs} ms)`);
row("GET /api/graph", graph.ms, 100, `${(graph.bytes / 1e6).toFixed(2)} MB; ${(graph.ms / info.ms).toFixed(1)}x GET /api/info = ${info.ms.toFixed(2)} ms; kept while the run store does not change`);
row("GET /api/graph, computed (the first request)", graph.first, 100, "statuses of every asset, JSON built and written");
row("navigation to lineage graph drawn (page clock)", g.drawnAt, 1500, `layout ${g.layoutMs.toFixed(0)} ms of it; ${drawnMs.toFixed(0)} ms seen by the driver`);
row("pan/zoom frame (median of 10)", frames[5], 16, `max ${frames[9].toFixed(1)} ms`);
row(`partition health bar (${partitions} partitions)`, healthMs, 100);
