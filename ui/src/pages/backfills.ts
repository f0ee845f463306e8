// Backfills: the list, and a form that shows the dry-run plan (`pond backfill --dry-run`) before
// launching it (`pond backfill`). The form's fields are in the URL (/backfills?select=&from=&to=),
// so the asset page can link to a prefilled one.
import { ApiError, get, post } from "../api";
import type { Backfill, BackfillPlan, BackfillRequest } from "../api_ops";
import { ago, badge, errorBox, fill, h, link, navigate, shortId, toast } from "../dom";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";

export function progressText(b: Backfill): string {
  const c = b.counts;
  return `${c.done} done · ${c.failed} failed · ${c.in_progress} in progress · ${c.missing} to do (of ${c.total} partitions)`;
}

function backfillTable(list: Backfill[]): HTMLElement {
  if (!list.length) return h("p", { class: "dim" }, "No backfill yet.");
  return h(
    "table",
    { class: "grid" },
    h("thead", null, h("tr", null, ...["backfill", "status", "selection", "range", "mode", "policy", "runs", "partitions", "created"].map((c) => h("th", null, c)))),
    h(
      "tbody",
      null,
      list.map((b) =>
        h(
          "tr",
          { "data-backfill": b.backfill_id },
          h("td", null, link(`/backfills/${b.backfill_id}`, h("code", null, shortId(b.backfill_id)))),
          h("td", null, badge(b.status)),
          h("td", { class: "sel" }, b.selection),
          h("td", { class: "nowrap" }, `${b.from} … ${b.to}`),
          h("td", null, b.mode),
          h("td", null, b.policy),
          h("td", { class: "num" }, `${b.runs_done}/${b.runs}`),
          h("td", { class: "dim" }, progressText(b)),
          h("td", { title: b.created_at }, ago(b.created_at)),
        ),
      ),
    ),
  );
}

function planView(p: BackfillPlan): HTMLElement {
  return h(
    "div",
    { class: "plan", id: "backfill-plan" },
    h("p", null, `Backfill of ${p.assets.join(", ")} (${p.definition}) from ${p.from} to ${p.to}, mode ${p.mode}, policy ${p.policy}: `, h("strong", { id: "plan-runs" }, `${p.run_count} run${p.run_count === 1 ? "" : "s"}`), `, ${p.asset_partitions} asset partitions, ${p.steps} asset steps`),
    p.runs.length
      ? h("table", { class: "grid compact" }, h("thead", null, h("tr", null, ...["run", "partitions", "count", "assets"].map((c) => h("th", null, c)))), h("tbody", null, p.runs.slice(0, 100).map((r, i) => h("tr", null, h("td", { class: "num" }, i + 1), h("td", null, r.scope), h("td", { class: "num" }, r.partitions), h("td", { class: "sel" }, r.assets.join(", "))))))
      : h("p", { class: "dim" }, "Nothing to backfill: every partition of the range is done."),
    p.runs.length > 100 ? h("p", { class: "dim" }, `… and ${p.run_count - 100} more runs`) : null,
  );
}

export const backfillsPage: Page = (root, params) => {
  const input = (name: string, placeholder: string, value = "") => {
    const el = h("input", { name, placeholder, spellcheck: "false" }) as HTMLInputElement;
    el.value = params.get(name) ?? value;
    return el;
  };
  const select = input("select", "selection, e.g. daily_visits+");
  const from = input("from", "from (key)");
  const to = input("to", "to (key, inclusive)");
  const mode = h("select", { name: "mode" }, ...["missing", "failed", "all"].map((m) => h("option", { value: m }, m))) as HTMLSelectElement;
  mode.value = params.get("mode") ?? "missing";
  const policy = input("policy", "per-partition | batch:N | single-run", "per-partition");
  const planBox = h("div");
  const launch = h("button", { class: "primary", id: "launch-backfill", disabled: true }, "Launch backfill") as HTMLButtonElement;
  const request = (): BackfillRequest => ({ select: select.value.trim(), from: from.value.trim(), to: to.value.trim(), mode: mode.value, policy: policy.value.trim() || "per-partition" });
  let planned: string | null = null;

  // Any change of the form invalidates the plan: launching needs a plan of exactly these fields.
  for (const el of [select, from, to, mode, policy]) el.addEventListener("input", () => ((planned = null), (launch.disabled = true)));
  const plan = async () => {
    launch.disabled = true;
    try {
      const req = request();
      const p = await post<BackfillPlan>("backfills/plan", req);
      fill(planBox, planView(p));
      planned = JSON.stringify(req);
      launch.disabled = p.run_count === 0;
    } catch (e) {
      fill(planBox, errorBox(e));
    }
  };
  launch.addEventListener("click", async () => {
    const req = request();
    if (planned !== JSON.stringify(req)) return plan();
    launch.disabled = true;
    try {
      const r = await post<{ backfill_id: string }>("backfills", req);
      toast(h("span", null, "Backfill ", link(`/backfills/${r.backfill_id}`, shortId(r.backfill_id)), " started"));
      navigate(`/backfills/${r.backfill_id}`);
    } catch (e) {
      const err = e as ApiError;
      toast(err.message + (err.hint ? ` (${err.hint})` : ""), "error");
    }
  });
  const form = h(
    "form",
    { class: "filters backfill-form", onsubmit: (e: Event) => (e.preventDefault(), plan()) },
    select, from, to, mode, policy,
    h("button", { type: "submit", id: "plan-backfill" }, "Plan (dry run)"),
    launch,
  );
  const list = h("div");
  root.append(
    h("div", { class: "page-head" }, h("h1", null, "Backfills")),
    h("section", null, h("h2", null, "New backfill"), form, planBox),
    h("section", null, h("h2", null, "Recent backfills"), list),
  );
  if (select.value && from.value && to.value) plan();
  const load = async () => {
    try {
      fill(list, backfillTable((await get<{ backfills: Backfill[] }>("backfills", { limit: "100" })).backfills));
    } catch (e) {
      fill(list, errorBox(e));
    }
  };
  load();
  return subscribe({ runs: throttle(load, 500) });
};
