// One backfill: its progress by partition (done / failed / in progress / to do, drawn like the
// partition health bar), its planned runs, cancel. Follows the run store live.
import { ApiError, get, post } from "../api";
import type { BackfillDetail } from "../api_ops";
import { ago, badge, errorBox, fill, h, link, shortId, toast } from "../dom";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";
import { progressText } from "./backfills";
import { healthBar } from "./partitions";

export const backfillPage: Page = (root, _params, id) => {
  const body = h("div");
  root.append(body);
  let lastJson = "";
  const cancel = async (b: BackfillDetail) => {
    try {
      const r = await post<{ message: string }>(`backfills/${b.backfill_id}/cancel`, {});
      toast(r.message);
    } catch (e) {
      toast((e as ApiError).message, "error");
    }
  };
  const resume = async (b: BackfillDetail) => {
    try {
      await post(`backfills/${b.backfill_id}/resume`, {});
      toast("Resuming the backfill");
      load();
    } catch (e) {
      toast((e as ApiError).message, "error");
    }
  };
  const render = (b: BackfillDetail) => {
    fill(body,
      h(
        "div",
        { class: "page-head" },
        h("h1", null, "Backfill ", h("code", null, shortId(b.backfill_id))),
        h("span", { id: "backfill-status" }, badge(b.status)),
        h("span", { class: "dim" }, `${b.selection} · ${b.partitions} ${b.from} … ${b.to} · mode ${b.mode} · ${b.policy} · started ${ago(b.created_at)}`),
        h("div", { class: "spacer" }),
        b.status === "running" && !b.cancel_requested ? h("button", { class: "danger", id: "cancel-backfill", onclick: () => cancel(b) }, "Cancel") : null,
        b.status === "interrupted" || b.status === "cancelled" ? h("button", { class: "primary", id: "resume-backfill", title: "pond backfill resume: the runs that did not succeed", onclick: () => resume(b) }, "Resume") : null,
      ),
      b.problem ? h("div", { class: "error-box" }, b.problem) : null,
      h(
        "section",
        null,
        h("h2", null, "Progress"),
        h("p", { id: "backfill-progress", "data-done": b.counts.done, "data-total": b.counts.total }, progressText(b), ` · runs ${b.runs_done}/${b.runs}`),
        b.progress ? healthBar(b.progress) : null,
        h("p", { class: "dim small" }, "green: done · red: failed · blue: in progress · grey: to do (faint grey: partitions of the range that needed no run)"),
      ),
      h(
        "section",
        null,
        h("h2", null, `Planned runs (${b.planned_runs.length})`),
        h(
          "table",
          { class: "grid compact" },
          h("thead", null, h("tr", null, ...["#", "partitions", "count", "assets", "status", "run"].map((c) => h("th", null, c)))),
          h(
            "tbody",
            null,
            b.planned_runs.slice(0, 500).map((r) =>
              h("tr", { "data-seq": r.seq, "data-status": r.status },
                h("td", { class: "num" }, r.seq + 1),
                h("td", null, r.scope),
                h("td", { class: "num" }, r.partitions),
                h("td", { class: "sel" }, r.assets.join(", ")),
                h("td", null, badge(r.status)),
                h("td", null, r.run_id ? link(`/runs/${r.run_id}`, h("code", null, shortId(r.run_id))) : ""),
              ),
            ),
          ),
        ),
      ),
    );
  };
  const load = async () => {
    try {
      const b = await get<BackfillDetail>(`backfills/${encodeURIComponent(id)}`);
      const text = JSON.stringify(b);
      if (text === lastJson) return;
      lastJson = text;
      render(b);
    } catch (e) {
      lastJson = "";
      fill(body, h("div", { class: "page-head" }, h("h1", null, "Backfill ", h("code", null, id))), errorBox(e), h("p", null, link("/backfills", "All backfills")));
    }
  };
  load();
  // Run events say when a run changes; the backfill's own record (its runs' outcomes, its end)
  // is written right after, so a slow poll catches what an event arrived just before.
  const timer = window.setInterval(() => {
    if (lastJson.includes('"status":"running"')) load();
  }, 1500);
  const unsubscribe = subscribe({ runs: throttle(load, 300) });
  return () => {
    unsubscribe();
    window.clearInterval(timer);
  };
};
