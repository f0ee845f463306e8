// Browser tests of `pond ui` in Debian's headless Chromium (/usr/bin/chromium), driven by
// playwright-core from ui/node_modules:
//   node tests/ui/browser_test.mjs POND_BINARY SOURCE_DIR OUTPUT_DIR
// In a fresh `pond init` project: every page loads without console errors; the lineage graph
// shows the project's assets and edges; a materialization launched from the UI completes and
// the page shows the new status without a reload. Screenshots of each page go to OUTPUT_DIR.
import { execFileSync } from "node:child_process";
import { assert, startHarness } from "./harness.mjs";

const [pond, sourceDir, outDir] = process.argv.slice(2);
if (!pond || !sourceDir || !outDir) {
  console.error("usage: browser_test.mjs POND_BINARY SOURCE_DIR OUTPUT_DIR");
  process.exit(2);
}
const t = await startHarness({ pond, sourceDir, outDir });
const { base, project, page, consoleErrors, expectedHttpErrors, api, shot, check } = t;

try {
  await check("overview loads", async () => {
    await page.goto(base + "/");
    await page.waitForSelector(".tiles .tile");
    const title = await page.textContent("h1");
    assert(title === "Overview", `h1 is ${title}`);
    await shot("overview");
  });

  await check("lineage graph shows the project's assets and edges", async () => {
    await page.goto(base + "/assets");
    await page.waitForFunction(() => window.__pondGraph && window.__pondGraph.nodes.length > 0);
    const drawn = await page.evaluate(() => window.__pondGraph);
    const graph = await api("graph");
    const expectedNodes = graph.assets.map((a) => a.name).sort();
    assert(JSON.stringify([...drawn.nodes].sort()) === JSON.stringify(expectedNodes), `nodes ${drawn.nodes} != ${expectedNodes}`);
    // Independently of the API: the assets `pond status` lists, and edges of the example project.
    const status = JSON.parse(execFileSync(pond, ["status", "-o", "json"], { cwd: project }).toString());
    assert(JSON.stringify(status.map((s) => s.asset).sort()) === JSON.stringify(expectedNodes), "pond status lists other assets");
    const edges = new Set(drawn.edges.map(([a, b]) => `${a} -> ${b}`));
    for (const e of [
      "raw_customers -> stg_customers",
      "stg_customers -> customers",
      "stg_orders -> customers",
      "stg_orders -> orders",
      "stg_payments -> orders",
      "raw_orders -> stg_orders",
    ])
      assert(edges.has(e), `edge ${e} is not drawn (drawn: ${[...edges].join(", ")})`);
    assert(drawn.edges.length === graph.edges.length, `${drawn.edges.length} edges drawn, the graph has ${graph.edges.length}`);
    const rows = await page.locator(".asset-list tr[data-asset]").count();
    assert(rows === expectedNodes.length, `the list shows ${rows} assets`);
    await shot("assets");
  });

  await check("the search bar selects with the CLI's syntax", async () => {
    await page.fill("#search", "+customers");
    await page.press("#search", "Enter");
    await page.waitForURL(/select=%2Bcustomers/);
    await page.waitForFunction(() => window.__pondGraph && window.__pondGraph.nodes.includes("customers") && !window.__pondGraph.nodes.includes("orders"));
    const nodes = await page.evaluate(() => window.__pondGraph.nodes.sort());
    const sel = await api("select?select=%2Bcustomers");
    assert(JSON.stringify(nodes) === JSON.stringify([...sel.names].sort()), `drawn ${nodes}, selected ${sel.names}`);
    await shot("assets-selection");
  });

  await check("a bad selection shows the server's error", async () => {
    expectedHttpErrors.add(base + "/assets?select=" + encodeURIComponent("tag:"));
    await page.goto(base + "/assets?select=" + encodeURIComponent("tag:"));
    await page.waitForSelector(".error-box");
    const text = await page.textContent(".error-box");
    assert(text.length > 5, "empty error");
  });

  await check("asset page loads", async () => {
    await page.goto(base + "/assets/customers");
    await page.waitForSelector("#asset-status .badge");
    const h1 = await page.textContent("h1");
    assert(h1 === "customers", `h1 is ${h1}`);
    assert((await page.locator("section h2", { hasText: "Columns" }).count()) === 1, "no columns section");
    await shot("asset");
  });

  await check("a partitioned asset shows its partition health bar", async () => {
    await page.goto(base + "/assets/web_visits");
    await page.waitForSelector("canvas.health");
    await shot("asset-partitioned");
  });

  await check("an asset that does not exist says so", async () => {
    expectedHttpErrors.add(base + "/assets/no_such_asset");
    await page.goto(base + "/assets/no_such_asset");
    await page.waitForSelector(".error-box");
    const text = await page.textContent(".error-box");
    assert(text.includes("no asset 'no_such_asset'"), text);
  });

  let runId = "";
  await check("materialize from the UI: the run completes and the page updates without reload", async () => {
    await page.goto(base + "/assets?select=" + encodeURIComponent("+customers"));
    await page.waitForSelector('.asset-list tr[data-asset="customers"] .badge');
    const before = await page.getAttribute('.asset-list tr[data-asset="customers"] .badge', "data-status");
    assert(before === "missing", `customers is ${before} before`);
    await page.evaluate(() => (window.__noReload = true));
    await page.click("#materialize-selection");
    await page.waitForSelector(".toast a");
    runId = (await page.getAttribute(".toast a", "href")).split("/").pop();
    await page.waitForSelector('.asset-list tr[data-asset="customers"] .badge[data-status="fresh"]', { timeout: 30000 });
    assert(await page.evaluate(() => window.__noReload === true), "the page was reloaded");
    await shot("assets-after-materialize");
  });

  await check("run page shows steps and logs", async () => {
    await page.goto(base + "/runs/" + runId);
    await page.waitForSelector("#run-status .badge");
    const status = await page.getAttribute("#run-status .badge", "data-status");
    assert(status === "success", `run is ${status}`);
    await page.waitForSelector(".gantt-row");
    assert((await page.locator(".gantt-row").count()) >= 4, "fewer than 4 steps");
    assert((await page.locator(".log").count()) > 0, "no log line");
    await shot("run");
  });

  await check("runs page lists the run and filters by status", async () => {
    await page.goto(base + "/runs");
    await page.waitForSelector(`tr[data-run="${runId}"]`);
    await page.goto(base + "/runs?status=error");
    await page.waitForSelector("table.grid, p.dim");
    assert((await page.locator(`tr[data-run="${runId}"]`).count()) === 0, "status filter ignored");
    await page.goto(base + "/runs");
    await page.waitForSelector(`tr[data-run="${runId}"]`);
    await shot("runs");
  });

  await check("a live run page follows a run started elsewhere", async () => {
    await page.goto(base + "/runs");
    await page.waitForSelector(`tr[data-run="${runId}"]`);
    const r = await fetch(base + "/api/materialize", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ select: "orders" }),
    });
    const { run_id } = await r.json();
    await page.waitForSelector(`tr[data-run="${run_id}"]`, { timeout: 15000 });
    await page.goto(base + "/runs/" + run_id);
    await page.waitForSelector('#run-status .badge[data-status="success"]', { timeout: 30000 });
    await shot("run-live");
  });

  await check("no console errors on any page", async () => {
    assert(consoleErrors.length === 0, consoleErrors.join("\n"));
  });
} finally {
  process.exitCode = await t.finish();
}
