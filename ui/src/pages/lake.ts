// The lake: its snapshots and tables at a chosen snapshot (/lake?snapshot=N), and a table's
// columns and rows at any snapshot (/lake/TABLE?snapshot=N): time travel.
import { get } from "../api";
import type { LakeOverview, LakeTable } from "../api_ops";
import { errorBox, fill, h, link, navigate } from "../dom";
import type { Page } from "../main";

function snapshotPicker(current: number, snapshots: NonNullable<LakeOverview["snapshots"]>, go: (id: number) => void) {
  const sel = h("select", { id: "snapshot" }, snapshots.map((s) => h("option", { value: s.id }, `snapshot ${s.id} · ${s.time.slice(0, 19)}`))) as HTMLSelectElement;
  sel.value = String(current);
  sel.addEventListener("change", () => go(Number(sel.value)));
  return sel;
}

export const lakePage: Page = (root, params) => {
  const body = h("div");
  root.append(body);
  const snap = params.get("snapshot") ?? undefined;
  (async () => {
    try {
      const l = await get<LakeOverview>("lake", { snapshot: snap });
      if (!l.lake) {
        fill(body, h("div", { class: "page-head" }, h("h1", null, "Lake")), h("div", { class: "error-box" }, h("strong", null, l.error ?? "No lake"), h("div", { class: "hint" }, l.hint ?? "")));
        return;
      }
      const at = l.snapshot!;
      fill(body,
        h("div", { class: "page-head" }, h("h1", null, "Lake"), h("span", { class: "dim" }, `${l.lake.catalog_kind} catalog ${l.lake.catalog} · data ${l.lake.data_path}`), h("div", { class: "spacer" }),
          snapshotPicker(at, l.snapshots ?? [], (id) => navigate(`/lake?snapshot=${id}`))),
        h("section", null, h("h2", null, `Tables at snapshot ${at}${at === l.lake.latest_snapshot ? " (latest)" : ""}`),
          l.tables!.length
            ? h("table", { class: "grid", id: "lake-tables" }, h("thead", null, h("tr", null, ...["table", "asset", "columns", "rows", "files", "bytes", "since snapshot"].map((c) => h("th", null, c)))),
                h("tbody", null, l.tables!.map((t) => h("tr", { "data-table": t.name },
                  h("td", null, link(`/lake/${encodeURIComponent(t.name)}?snapshot=${at}`, h("code", null, t.name))),
                  h("td", null, t.asset ? link(`/assets/${encodeURIComponent(t.asset)}`, t.asset) : ""),
                  h("td", { class: "num" }, t.columns), h("td", { class: "num" }, t.rows), h("td", { class: "num" }, t.files), h("td", { class: "num" }, t.bytes), h("td", { class: "num" }, t.created_snapshot)))))
            : h("p", { class: "dim" }, "No table at this snapshot."),
        ),
        h("section", null, h("h2", null, `Snapshots (${l.snapshots!.length})`),
          h("table", { class: "grid compact", id: "lake-snapshots" }, h("thead", null, h("tr", null, ...["id", "time (UTC)", "schema", "changes", "author", "message"].map((c) => h("th", null, c)))),
            h("tbody", null, l.snapshots!.map((s) => h("tr", { "data-snapshot": s.id },
              h("td", { class: "num" }, link(`/lake?snapshot=${s.id}`, String(s.id))), h("td", { class: "nowrap" }, s.time.slice(0, 23)), h("td", { class: "num" }, s.schema_version),
              h("td", { class: "wrap" }, s.changes), h("td", null, s.author ?? ""), h("td", null, s.commit_message ?? "")))))),
      );
    } catch (e) {
      fill(body, h("div", { class: "page-head" }, h("h1", null, "Lake")), errorBox(e));
    }
  })();
};

export const lakeTablePage: Page = (root, params, rawName) => {
  const name = decodeURIComponent(rawName);
  const body = h("div");
  root.append(body);
  const snap = params.get("snapshot") ?? undefined;
  (async () => {
    try {
      const [l, t] = await Promise.all([get<LakeOverview>("lake", { snapshot: snap }), get<LakeTable>(`lake/tables/${encodeURIComponent(name)}`, { snapshot: snap, limit: "200" })]);
      fill(body,
        h("div", { class: "page-head" }, h("h1", null, h("code", null, t.table)), h("span", { class: "dim", id: "table-at" }, `at snapshot ${t.snapshot} · ${t.row_count} rows · created at snapshot ${t.created_snapshot}`), h("div", { class: "spacer" }),
          link("/lake", "all tables"), snapshotPicker(t.snapshot, l.snapshots ?? [], (id) => navigate(`/lake/${encodeURIComponent(name)}?snapshot=${id}`))),
        h("section", null, h("h2", null, `Columns (${t.columns.length})`), h("p", null, t.columns.map((c) => h("span", { class: "colchip" }, h("code", null, c.name), " ", h("span", { class: "dim" }, c.type + (c.nullable ? "" : " not null")))))),
        h("section", null, h("h2", null, `Rows (first ${Math.min(t.limit, t.rows.length)} of ${t.row_count})`),
          h("div", { class: "preview" }, h("table", { class: "grid compact", id: "preview" }, h("thead", null, h("tr", null, t.columns.map((c) => h("th", null, c.name)))),
            h("tbody", null, t.rows.map((r) => h("tr", null, r.map((v) => h("td", null, v === null ? h("span", { class: "dim" }, "NULL") : v)))))))),
      );
    } catch (e) {
      fill(body, h("div", { class: "page-head" }, h("h1", null, h("code", null, name))), errorBox(e), h("p", null, link("/lake", "All tables")));
    }
  })();
};
