// Browser tests of the operations pages of `pond ui` (headless Chromium, playwright-core):
//   node tests/ui/operations_test.mjs POND_BINARY SOURCE_DIR OUTPUT_DIR
// In a `pond init` project with a command asset that fails until a file exists, a schedule and
// a sensor: re-execute a failed run's steps from its page; plan a backfill (the dry-run plan)
// and launch it, its page showing progress without a reload; schedules and sensors with their
// ticks and an on/off switch the CLI sees; the lake's tables and a table at an earlier snapshot;
// the asset page's lake columns and checks history. Every page without console errors;
// screenshots in OUTPUT_DIR.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { assert, startHarness } from "./harness.mjs";

const [pond, sourceDir, outDir] = process.argv.slice(2);
if (!pond || !sourceDir || !outDir) {
  console.error("usage: operations_test.mjs POND_BINARY SOURCE_DIR OUTPUT_DIR");
  process.exit(2);
}
const t = await startHarness({
  pond,
  sourceDir,
  outDir,
  prepare(project) {
    const yml = path.join(project, "pond.yml");
    let text = readFileSync(yml, "utf8");
    text = text.replace("assets:\n", "assets:\n  flaky:\n    description: Fails until the file ok exists\n    run: test -f ok\n");
    text += "\nschedules:\n  hourly_orders:\n    cron: \"0 * * * *\"\n    select: [raw_orders]\n";
    text += "sensors:\n  after_orders:\n    type: asset\n    asset: raw_orders\n    select: [stg_orders]\n";
    writeFileSync(yml, text);
  },
});
const { base, project, page, consoleErrors, api, shot, check } = t;
const cli = (args) => execFileSync(pond, args, { cwd: project }).toString();

try {
  await check("run page: re-execute failed steps, then re-run", async () => {
    const { run_id } = await api("materialize", { select: "flaky" });
    await page.goto(base + "/runs/" + run_id);
    await page.waitForSelector('#run-status .badge[data-status="error"]', { timeout: 30000 });
    assert(await page.isVisible("#reexecute-failed"), "no Re-execute failed steps button on a failed run");
    assert(await page.isVisible("#rerun"), "no Re-run button on a finished run");
    await shot("run-failed");
    writeFileSync(path.join(project, "ok"), "");
    await page.click("#reexecute-failed");
    await page.waitForURL((u) => !u.pathname.endsWith(run_id));
    await page.waitForSelector('#run-status .badge[data-status="success"]', { timeout: 30000 });
    const child = page.url().split("/").pop();
    const detail = await api("runs/" + child);
    assert(detail.parent_run_id === run_id, `the new run's parent is ${detail.parent_run_id}`);
    assert(detail.trigger === "reexecute", `trigger ${detail.trigger}`);
    // Independently: the CLI lists the new run as a success.
    assert(cli(["runs", "-o", "json"]).includes(child), "pond runs does not list the re-executed run");
    assert(!(await page.isVisible("#reexecute-failed")), "Re-execute failed steps shown on a run without failures");
    assert(await page.isVisible("#rerun"), "no Re-run on the finished re-execution");
    await shot("run-reexecuted");
  });

  let backfillId = "";
  await check("backfill: the dry-run plan first, then launched, progress without reload", async () => {
    await page.goto(base + "/assets/web_visits");
    await page.waitForSelector("canvas.health");
    await page.click("#backfill-link a");
    await page.waitForURL(/\/backfills\?select=web_visits/);
    await page.fill('input[name="from"]', "2026-03-02");
    await page.fill('input[name="to"]', "2026-03-05");
    await page.fill('input[name="policy"]', "per-partition");
    await page.click("#plan-backfill");
    await page.waitForSelector("#backfill-plan");
    const runs = await page.textContent("#plan-runs");
    assert(runs === "4 runs", `the plan says ${runs}`);
    // The same plan as the CLI's dry run.
    const dry = cli(["backfill", "-s", "web_visits", "--from", "2026-03-02", "--to", "2026-03-05", "--dry-run"]);
    assert(dry.includes(": 4 runs"), dry);
    await shot("backfill-plan");
    await page.evaluate(() => (window.__noReload = true));
    await page.click("#launch-backfill");
    await page.waitForURL(/\/backfills\/[0-9a-f-]{36}$/);
    backfillId = page.url().split("/").pop();
    await page.waitForSelector("#backfill-progress");
    const seen = new Set();
    for (let i = 0; i < 300; i++) {
      seen.add(await page.getAttribute("#backfill-progress", "data-done"));
      if (await page.isVisible('#backfill-status .badge[data-status="success"]')) break;
      await page.waitForTimeout(100);
    }
    seen.add(await page.getAttribute("#backfill-progress", "data-done"));
    assert(await page.isVisible('#backfill-status .badge[data-status="success"]'), "the backfill did not succeed on the page");
    assert(seen.has("4") && seen.size >= 2, `progress seen: ${[...seen]}`);
    assert(await page.evaluate(() => window.__noReload === true), "the page was reloaded");
    assert((await page.locator('tr[data-status="success"]').count()) === 4, "not 4 successful planned runs");
    const list = cli(["backfills", "-o", "json"]);
    assert(list.includes(backfillId) && list.includes("4/4"), list);
    await shot("backfill");
    await page.goto(base + "/backfills");
    await page.waitForSelector(`tr[data-backfill="${backfillId}"]`);
    await shot("backfills");
  });

  await check("schedules and sensors: ticks with their outcome, on/off as the CLI keeps it", async () => {
    cli(["daemon", "--simulate-from", "2026-03-28T00:00", "--simulate-until", "2026-03-28T02:30"]);
    await page.goto(base + "/automation");
    await page.waitForSelector('.card[data-name="hourly_orders"] tr[data-tick-status="submitted"]');
    assert((await page.locator('.card[data-name="hourly_orders"] tr[data-tick-status]').count()) === 2, "not 2 ticks of hourly_orders");
    assert((await page.locator('.card[data-name="after_orders"]').count()) === 1, "no sensor card");
    await shot("automation");
    assert(await page.isChecked('input[data-toggle="hourly_orders"]'), "the schedule is shown off");
    await page.uncheck('input[data-toggle="hourly_orders"]');
    await page.waitForSelector('.toast:has-text("Schedule hourly_orders is off")');
    const rows = JSON.parse(cli(["schedules", "-o", "json"]));
    assert(rows[0].enabled === "off", `pond schedules says ${rows[0].enabled}`);
    await page.check('input[data-toggle="hourly_orders"]');
    await page.waitForSelector('.toast:has-text("Schedule hourly_orders is on")');
    assert(JSON.parse(cli(["schedules", "-o", "json"]))[0].enabled === "on", "not on again");
  });

  await check("lake: tables, snapshots, a table at an earlier snapshot", async () => {
    await page.goto(base + "/lake");
    await page.waitForSelector('#lake-tables tr[data-table="raw.web_visits"]');
    const snapshots = JSON.parse(cli(["lake", "snapshots", "-o", "json"]));
    assert((await page.locator("#lake-snapshots tr[data-snapshot]").count()) === snapshots.length, "not every snapshot listed");
    await shot("lake");
    await page.click('#lake-tables tr[data-table="raw.web_visits"] a');
    await page.waitForSelector("#preview tbody tr");
    const latest = await page.textContent("#table-at");
    // The snapshot that created the table holds the first day only (one partition per commit).
    const first = (await api("lake")).tables.find((x) => x.name === "raw.web_visits").created_snapshot;
    await page.selectOption("#snapshot", String(first));
    await page.waitForFunction((s) => document.querySelector("#table-at")?.textContent?.startsWith(`at snapshot ${s} `), first);
    const earlier = await page.textContent("#table-at");
    const rowsOf = (s) => Number(/· (\d+) rows/.exec(s)[1]);
    assert(rowsOf(earlier) < rowsOf(latest), `rows at ${earlier} vs ${latest}`);
    const dates = await page.$$eval("#preview tbody tr td:nth-child(2)", (tds) => [...new Set(tds.map((td) => td.textContent))]);
    assert(dates.length === 1 && dates[0] === "2026-03-02", `dates at the first snapshot: ${dates}`);
    await shot("lake-table");
  });

  await check("asset page: lake columns and types, checks history", async () => {
    await page.goto(base + "/assets/web_visits");
    await page.waitForSelector('#columns tr[data-column="visit_date"]');
    const type = await page.textContent('#columns tr[data-column="visit_date"] .lake-type');
    assert(type === "date", `visit_date's lake type is ${type}`);
    assert((await page.locator("#check-history tr").count()) >= 4, "fewer than 4 check results (one per backfilled day)");
    await shot("asset-lake-columns");
  });

  await check("no console errors on any page", async () => {
    assert(consoleErrors.length === 0, consoleErrors.join("\n"));
  });
} finally {
  process.exitCode = await t.finish();
}
