// Sections of the asset page: columns (documented in dbt YAML and as the lake has them), the
// checks' history, the automation evaluations of the daemon.
import type { AssetDetail } from "../api";
import { ago, badge, h, link, shortId } from "../dom";

// Documented columns and the lake's columns side by side: name, lake type, documented type,
// description. A column only in the docs has no lake type (not written, or renamed).
export function columnsSection(a: AssetDetail): HTMLElement {
  const lake = new Map((a.lake_columns ?? []).map((c) => [c.name.toLowerCase(), c]));
  const docs = new Map(a.columns.map((c) => [c.name.toLowerCase(), c]));
  const names = [...(a.lake_columns ?? []).map((c) => c.name), ...a.columns.map((c) => c.name).filter((n) => !lake.has(n.toLowerCase()))];
  const note = a.lake_columns
    ? `${a.lake_columns.length} in the lake table ${a.table}`
    : a.lake_error
      ? `the lake: ${a.lake_error.split("\n")[0]}`
      : a.table
        ? "not in the lake (yet)"
        : "";
  return h(
    "section",
    { id: "columns" },
    h("h2", null, `Columns (${names.length})`),
    note ? h("p", { class: "dim small" }, note) : null,
    names.length
      ? h(
          "table",
          { class: "grid" },
          h("thead", null, h("tr", null, ...["name", "type (lake)", "type (docs)", "description"].map((c) => h("th", null, c)))),
          h("tbody", null, names.map((n) => {
            const l = lake.get(n.toLowerCase()), d = docs.get(n.toLowerCase());
            return h("tr", { "data-column": n }, h("td", null, h("code", null, n)), h("td", { class: "lake-type" }, l ? l.type : h("span", { class: "dim" }, "—")), h("td", { class: "dim" }, d?.data_type ?? ""), h("td", null, d?.description ?? l?.comment ?? ""));
          })),
        )
      : h("p", { class: "dim" }, "No documented column, and no lake table."),
  );
}

export function checkHistory(a: AssetDetail): HTMLElement {
  return h(
    "section",
    { id: "check-history" },
    h("h2", null, `Checks history (${a.check_history.length})`),
    a.check_history.length
      ? h("table", { class: "grid compact" }, h("tbody", null, a.check_history.slice(0, 40).map((c) =>
          h("tr", null, h("td", { title: c.ts }, ago(c.ts)), h("td", null, badge(c.status)), h("td", { class: "wrap" }, c.name), h("td", { class: "dim" }, c.message), h("td", null, link(`/runs/${c.run_id}`, h("code", null, shortId(c.run_id))))))))
      : h("p", { class: "dim" }, "No check result recorded."),
  );
}

export function evaluations(a: AssetDetail): HTMLElement {
  return h(
    "section",
    { id: "evaluations" },
    h("h2", null, `Automation evaluations (${a.automation_evaluations.length})`),
    a.automation_evaluations.length
      ? h("table", { class: "grid compact" }, h("tbody", null, a.automation_evaluations.slice(0, 30).map((e) =>
          h("tr", null, h("td", { class: "nowrap" }, e.tick), h("td", null, badge(e.requested ? "requested" : "not requested")), h("td", null, e.condition), h("td", null, e.partitions), h("td", { class: "wrap" }, e.reason), h("td", null, e.run_ids.map((id) => link(`/runs/${id}`, h("code", null, shortId(id), " "))))))))
      : h("p", { class: "dim" }, "No evaluation recorded (the daemon evaluates assets with an automation: condition)."),
  );
}
