// Overview: runs in progress, recent failures, assets that need attention, next schedule ticks.
import { get, type Overview, type Run } from "../api";
import type { Backfill } from "../api_ops";
import { progressText } from "./backfills";
import { colorOf } from "../graph/colors";
import { ago, badge, duration, errorBox, fill, h, link, shortId } from "../dom";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";

export function runRow(r: Run): HTMLTableRowElement {
  return h(
    "tr",
    { "data-run": r.run_id },
    h("td", null, link(`/runs/${r.run_id}`, h("code", null, shortId(r.run_id)))),
    h("td", null, badge(r.status)),
    h("td", null, r.command),
    h("td", { class: "sel" }, r.selection || h("span", { class: "dim" }, "everything")),
    h("td", null, r.trigger),
    h("td", { title: r.started_at ?? "" }, ago(r.started_at ?? r.queued_at)),
    h("td", { class: "num" }, duration(r.started_at, r.finished_at)),
  );
}

export function runTable(runs: Run[], empty: string): HTMLElement {
  if (!runs.length) return h("p", { class: "dim" }, empty);
  return h(
    "table",
    { class: "grid" },
    h("thead", null, h("tr", null, ...["run", "status", "command", "selection", "trigger", "started", "duration"].map((c) => h("th", null, c)))),
    h("tbody", null, runs.map(runRow)),
  );
}

export const overviewPage: Page = (root) => {
  const body = h("div", { class: "overview" });
  root.append(h("div", { class: "page-head" }, h("h1", null, "Overview")), body);
  const load = async () => {
    try {
      const o = await get<Overview>("overview");
      const counts = h(
        "div",
        { class: "tiles" },
        ...["fresh", "stale", "missing", "failed", "running", "external"].map((s) =>
          link(
            `/assets?status=${s}`,
            h("div", { class: "tile" }, h("div", { class: "tile-n", style: `color:${colorOf(s)}` }, String(o.asset_counts[s] ?? 0)), h("div", { class: "tile-l" }, s)),
          ),
        ),
      );
      // Backfills in progress (their runs show above as they start).
      const { backfills } = await get<{ backfills: Backfill[] }>("backfills", { limit: "20" });
      const going = backfills.filter((b) => b.status === "running");
      fill(body,
        counts,
        h("section", null, h("h2", null, "In progress"), runTable(o.active_runs, "No run is running or queued.")),
        going.length
          ? h("section", { id: "overview-backfills" }, h("h2", null, "Backfills in progress"), h("ul", { class: "plain" }, going.map((b) => h("li", null, link(`/backfills/${b.backfill_id}`, h("code", null, shortId(b.backfill_id))), " ", b.selection, " ", h("span", { class: "dim" }, `${b.from} … ${b.to} · ${progressText(b)}`)))))
          : null,
        h("section", null, h("h2", null, "Recent failures"), runTable(o.recent_failures, "No failed run recently.")),
        h(
          "div",
          { class: "two" },
          h(
            "section",
            null,
            h("h2", null, "Needs attention"),
            o.attention.length
              ? h("ul", { class: "plain" }, o.attention.map((a) => h("li", null, badge(a.state), " ", link(`/assets/${encodeURIComponent(a.name)}`, a.name), h("span", { class: "dim" }, "  ", a.reasons.join("; ")))))
              : h("p", { class: "dim" }, "Every asset is fresh."),
          ),
          h(
            "section",
            null,
            h("h2", null, "Next schedule ticks"),
            o.schedules.length
              ? h("table", { class: "grid" }, h("tbody", null, o.schedules.map((s) => h("tr", null, h("td", null, s.schedule), h("td", null, h("code", null, s.cron)), h("td", null, s.enabled ? s.next ?? "none" : "off"), h("td", { class: "dim" }, s.partition ?? "")))))
              : h("p", { class: "dim" }, "No schedule in pond.yml."),
          ),
        ),
      );
    } catch (e) {
      body.replaceChildren(errorBox(e));
    }
  };
  load();
  return subscribe({ runs: throttle(load, 500) });
};
