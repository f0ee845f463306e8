// One asset: status and why, materialize (all, latest partition, or a range picked on the health
// bar), description and columns, materialization history, checks, lineage, SQL.
import { ApiError, get, post, type AssetDetail } from "../api";
import { ago, badge, errorBox, fill, h, link, ms, navigate, shortId, toast } from "../dom";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";
import { checkHistory, columnsSection, evaluations } from "./asset_sections";
import { healthBar } from "./partitions";

function historyChart(m: AssetDetail["materializations"]): HTMLElement {
  const data = [...m].reverse().slice(-60);
  if (!data.length) return h("p", { class: "dim" }, "Never materialized.");
  const width = 600, height = 70, bw = width / Math.max(data.length, 20);
  const max = Math.max(1, ...data.map((d) => d.duration_ms ?? 0));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "history");
  data.forEach((d, i) => {
    const r = document.createElementNS(ns, "rect");
    const bh = Math.max(2, ((d.duration_ms ?? 0) / max) * (height - 4));
    r.setAttribute("x", String(i * bw + 1));
    r.setAttribute("y", String(height - bh));
    r.setAttribute("width", String(Math.max(1, bw - 2)));
    r.setAttribute("height", String(bh));
    const t = document.createElementNS(ns, "title");
    t.textContent = `${d.ts}${d.partition ? " · " + d.partition : ""} · ${ms(d.duration_ms)} · ${d.rows ?? "?"} rows${d.snapshot_id !== null ? " · snapshot " + d.snapshot_id : ""}`;
    r.append(t);
    svg.append(r);
  });
  return h("div", null, svg, h("div", { class: "dim small" }, `duration of the last ${data.length} materializations (hover for rows and snapshot)`));
}

export const assetPage: Page = (root, _params, rawName) => {
  const name = decodeURIComponent(rawName);
  const body = h("div", { class: "asset" });
  root.append(body);
  let lastJson = "";

  const materialize = async (payload: Record<string, unknown>) => {
    try {
      const r = await post<{ run_id: string }>("materialize", { select: name, ...payload });
      toast(h("span", null, "Queued run ", link(`/runs/${r.run_id}`, shortId(r.run_id)), ": it starts now"));
    } catch (e) {
      const err = e as ApiError;
      toast(err.message + (err.hint ? ` (${err.hint})` : ""), "error");
    }
  };

  // A range picked on the health bar as a backfill: its keys come from the server's plan, then
  // the backfills page shows the plan before anything runs.
  const planBackfill = async (partition_range: { list_key: string; from: number; to: number }) => {
    try {
      const p = await post<{ from: string; to: string }>("backfills/plan", { select: name, partition_range });
      navigate(`/backfills?select=${encodeURIComponent(name)}&from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`);
    } catch (e) {
      const err = e as ApiError;
      toast(err.message + (err.hint ? ` (${err.hint})` : ""), "error");
    }
  };

  const render = (a: AssetDetail) => {
    const p = a.status.partitions;
    const head = h(
      "div",
      { class: "page-head" },
      h("h1", null, a.name),
      h("span", { class: "kind" }, a.kind),
      h("span", { id: "asset-status" }, badge(a.status.state)),
      h("span", { class: "dim" }, `last materialized ${ago(a.status.last_materialized)}`),
      h("div", { class: "spacer" }),
      link(`/assets?select=${encodeURIComponent("+" + a.name + "+")}`, "lineage"),
      link(`/runs?asset=${encodeURIComponent(a.name)}`, "runs"),
      p && a.partition_health?.first_key ? h("span", { id: "backfill-link" }, link(`/backfills?select=${encodeURIComponent(a.name)}&from=${encodeURIComponent(a.partition_health.first_key)}&to=${encodeURIComponent(a.partition_health.last_key ?? "")}`, "backfill…")) : null,
      a.materializable ? h("button", { class: "primary", id: "materialize", onclick: () => materialize({}) }, p ? "Materialize latest partition" : "Materialize") : null,
    );
    const facts = h(
      "dl",
      { class: "facts" },
      ...([
        ["key", a.key],
        ["table", a.table],
        ["group", a.group],
        ["file", a.file],
        ["materialized as", a.materialized ?? ""],
        ["owners", a.owners.join(", ")],
        ["tags", a.tags.join(", ")],
        ["code version", a.code_version.slice(0, 12)],
        ["command", a.command ?? ""],
      ] as [string, string][])
        .filter(([, v]) => v)
        .flatMap(([k, v]) => [h("dt", null, k), h("dd", null, h("code", null, v))]),
    );
    const why = a.status.reasons.length ? h("ul", { class: "reasons" }, a.status.reasons.map((r) => h("li", null, r))) : null;
    const health = a.partition_health
      ? h(
          "section",
          null,
          h("h2", null, `Partitions · ${a.partition_health.definition}`),
          p ? h("p", { class: "dim" }, `${p.materialized} materialized, ${p.failed} failed, ${p.missing} missing, ${p.in_progress} running, ${p.stale} stale of ${p.total}`) : null,
          healthBar(a.partition_health, (list_key, from, to) => {
            const text = `Materialize partitions #${from + 1}–#${to + 1}${list_key ? " of " + list_key : ""}?`;
            toast(h("span", null, text, " ", h("button", { class: "primary", onclick: () => materialize({ partition_range: { list_key, from, to } }) }, "Materialize"), " ", h("button", { id: "backfill-range", onclick: () => planBackfill({ list_key, from, to }) }, "Backfill…")));
          }),
        )
      : null;
    const sql = a.compiled_sql ?? a.raw_sql;
    fill(body,
      head,
      why,
      h(
        "div",
        { class: "two" },
        h(
          "div",
          null,
          a.description ? h("p", { class: "description" }, a.description) : h("p", { class: "dim" }, "No description."),
          facts,
          h("section", null, h("h2", null, "Materializations"), historyChart(a.materializations)),
          health,
          columnsSection(a),
        ),
        h(
          "div",
          null,
          h(
            "section",
            null,
            h("h2", null, "Lineage"),
            h("div", { class: "lineage-lists" },
              h("div", null, h("h3", null, `Upstream (${a.parents.length})`), h("ul", { class: "plain" }, a.parents.map((x) => h("li", null, link(`/assets/${encodeURIComponent(x.name)}`, x.name), h("span", { class: "dim small" }, " ", x.kind))))),
              h("div", null, h("h3", null, `Downstream (${a.children.length})`), h("ul", { class: "plain" }, a.children.map((x) => h("li", null, link(`/assets/${encodeURIComponent(x.name)}`, x.name), h("span", { class: "dim small" }, " ", x.kind))))),
            ),
          ),
          h(
            "section",
            null,
            h("h2", null, `Checks (${a.checks.length})`),
            a.checks.length
              ? h("table", { class: "grid" }, h("tbody", null, a.checks.map((c) => h("tr", null, h("td", null, badge(c.status)), h("td", { class: "wrap" }, c.name), h("td", { class: "dim" }, ago(c.ts))))))
              : h("p", { class: "dim" }, "No check recorded."),
          ),
          h(
            "section",
            null,
            h("h2", null, "Recent materializations"),
            a.materializations.length
              ? h("table", { class: "grid compact" }, h("thead", null, h("tr", null, ...["when", "run", "partition", "rows", "duration", "snapshot"].map((c) => h("th", null, c)))), h("tbody", null, a.materializations.slice(0, 15).map((m) => h("tr", null, h("td", { title: m.ts }, ago(m.ts)), h("td", null, link(`/runs/${m.run_id}`, h("code", null, shortId(m.run_id)))), h("td", null, m.partition), h("td", { class: "num" }, m.rows ?? ""), h("td", { class: "num" }, ms(m.duration_ms)), h("td", { class: "num" }, m.snapshot_id ?? "")))))
              : h("p", { class: "dim" }, "None yet."),
          ),
          checkHistory(a),
          evaluations(a),
          sql ? h("section", null, h("h2", null, a.compiled_sql ? "Compiled SQL" : "SQL (not compiled yet)"), h("pre", { class: "sql" }, sql)) : null,
        ),
      ),
    );
  };

  const load = async () => {
    try {
      const a = await get<AssetDetail>(`assets/${encodeURIComponent(name)}`);
      const text = JSON.stringify(a);
      if (text === lastJson) return;
      lastJson = text;
      render(a);
    } catch (e) {
      lastJson = "";
      const err = e as ApiError;
      fill(body,
        h("div", { class: "page-head" }, h("h1", null, name)),
        errorBox(err),
        err.status === 404 ? h("p", null, "This asset is not in the project (any more). ", link("/assets", "Back to the catalog")) : null,
      );
    }
  };
  load();
  return subscribe({ runs: throttle(load, 400) });
};
