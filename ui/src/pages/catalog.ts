// The asset catalog and the global lineage graph. The search bar's selection (the CLI's syntax,
// evaluated by the server) picks what is shown; groups collapse into one node; clicking a node
// lights its upstream and downstream, double-clicking opens it.
import { ApiError, get, post, type Graph, type GraphAsset, type Selection } from "../api";
import { ago, badge, errorBox, fill, h, link, navigate, toast } from "../dom";
import { LineageView, type ViewNode } from "../graph/view";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";

const stateRank: Record<string, number> = { failed: 5, running: 4, stale: 3, missing: 2, fresh: 1, external: 0 };

function sub(a: GraphAsset): string {
  let s = a.kind;
  const p = a.status.partitions;
  if (p) s += ` · ${p.materialized}/${p.total} ${p.definition}`;
  if (a.checks.fail) s += ` · ${a.checks.fail} check${a.checks.fail > 1 ? "s" : ""} failing`;
  return s;
}

export const catalogPage: Page = (root, params) => {
  const select = params.get("select") ?? "";
  const statusFilter = params.get("status") ?? "";
  const collapsed = new Set((params.get("collapse") ?? "").split(",").filter(Boolean));

  const listBody = h("tbody");
  const filterInput = h("input", { type: "search", placeholder: "filter by name", class: "filter" }) as HTMLInputElement;
  const info = h("span", { class: "dim" });
  const groupBox = h("div", { class: "groups" });
  const graphHost = h("div", { class: "graph-host" });
  const materializeBtn = h("button", { class: "primary", id: "materialize-selection" }, select ? "Materialize selection" : "Materialize all") as HTMLButtonElement;
  const errorSlot = h("div");
  root.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", null, "Assets"),
      select ? h("code", { class: "selection" }, select) : null,
      statusFilter ? h("span", null, " status ", badge(statusFilter), " ", link("/assets", "clear")) : null,
      info,
      h("div", { class: "spacer" }),
      h("button", { onclick: () => view.fit(), title: "fit the graph" }, "Fit"),
      h("button", { onclick: () => view.zoom(1.25) }, "+"),
      h("button", { onclick: () => view.zoom(0.8) }, "−"),
      materializeBtn,
    ),
    errorSlot,
    h(
      "div",
      { class: "catalog" },
      h("aside", { class: "asset-list" }, filterInput, groupBox, h("table", { class: "grid compact" }, listBody)),
      graphHost,
    ),
  );

  const view = new LineageView(
    graphHost,
    (id) => {
      if (id.startsWith("group:")) toggleGroup(id.slice(6));
      else navigate(`/assets/${encodeURIComponent(id)}`);
    },
  );

  let graph: Graph | null = null;
  let picked: Set<number> | null = null;
  let shapeKey = "";

  function toggleGroup(g: string) {
    if (collapsed.has(g)) collapsed.delete(g);
    else collapsed.add(g);
    const p = new URLSearchParams(location.search);
    if (collapsed.size) p.set("collapse", [...collapsed].join(","));
    else p.delete("collapse");
    history.replaceState(null, "", `${location.pathname}?${p}`);
    draw(false);
  }

  function shown(): GraphAsset[] {
    if (!graph) return [];
    return graph.assets.filter((a) => (!picked || picked.has(a.id)) && (!statusFilter || a.status.state === statusFilter));
  }

  function draw(keepView: boolean) {
    if (!graph) return;
    const assets = shown();
    const inView = new Set(assets.map((a) => a.id));
    const nodeOf = new Map<number, string>();
    const nodes: ViewNode[] = [];
    const groups = new Map<string, GraphAsset[]>();
    for (const a of assets) {
      if (a.group && collapsed.has(a.group)) {
        nodeOf.set(a.id, `group:${a.group}`);
        (groups.get(a.group) ?? groups.set(a.group, []).get(a.group)!).push(a);
      } else {
        nodeOf.set(a.id, a.name);
        nodes.push({ id: a.name, label: a.name, sub: sub(a), state: a.status.state });
      }
    }
    for (const [g, members] of groups) {
      const worst = members.reduce((w, a) => ((stateRank[a.status.state] ?? 0) > (stateRank[w] ?? 0) ? a.status.state : w), "external");
      nodes.push({ id: `group:${g}`, label: `▸ ${g}`, sub: `group · ${members.length} assets`, state: worst, group: true });
    }
    const seen = new Set<string>();
    const edges: [string, string][] = [];
    for (const [p, c] of graph.edges) {
      if (!inView.has(p) || !inView.has(c)) continue;
      const a = nodeOf.get(p)!, b = nodeOf.get(c)!;
      const k = `${a}\u0000${b}`;
      if (a === b || seen.has(k)) continue;
      seen.add(k);
      edges.push([a, b]);
    }
    const key = nodes.map((n) => n.id).join("|") + "#" + edges.length;
    if (keepView && key === shapeKey) view.updateNodes(nodes);
    else view.setGraph(nodes, edges, keepView && key === shapeKey);
    shapeKey = key;
    info.textContent = `${assets.length} of ${graph.assets.length} assets`;
    renderList(assets);
    renderGroups();
  }

  function renderGroups() {
    if (!graph || !graph.groups.length) return groupBox.replaceChildren();
    groupBox.replaceChildren(
      h("div", { class: "dim small" }, "groups (click to collapse)"),
      ...graph.groups.map((g) =>
        h("button", { class: `chip ${collapsed.has(g) ? "on" : ""}`, onclick: () => toggleGroup(g), title: collapsed.has(g) ? "expand" : "collapse" }, (collapsed.has(g) ? "▸ " : "▾ ") + g),
      ),
    );
  }

  function renderList(assets: GraphAsset[]) {
    const f = filterInput.value.trim().toLowerCase();
    const rows = assets.filter((a) => !f || a.name.toLowerCase().includes(f));
    const limit = 400;
    fill(listBody,
      ...rows.slice(0, limit).map((a) =>
        h(
          "tr",
          { "data-asset": a.name, onmouseenter: () => view.mark([a.name]), onmouseleave: () => view.mark([]) },
          h("td", null, badge(a.status.state)),
          h("td", null, link(`/assets/${encodeURIComponent(a.name)}`, a.name), h("div", { class: "dim small" }, sub(a))),
          h("td", { class: "dim small nowrap" }, ago(a.status.last_materialized)),
        ),
      ),
      rows.length > limit ? h("tr", null, h("td", { colspan: 3, class: "dim" }, `${rows.length - limit} more: narrow the filter or the selection`)) : null,
    );
  }
  filterInput.addEventListener("input", () => renderList(shown()));

  materializeBtn.addEventListener("click", async () => {
    materializeBtn.disabled = true;
    try {
      const r = await post<{ run_id: string }>("materialize", { select });
      toast(h("span", null, "Queued run ", link(`/runs/${r.run_id}`, r.run_id.slice(0, 8)), ": it starts now"));
    } catch (e) {
      toast((e as ApiError).message + ((e as ApiError).hint ? ` (${(e as ApiError).hint})` : ""), "error");
    } finally {
      materializeBtn.disabled = false;
    }
  });

  const load = async (keepView: boolean) => {
    try {
      const [g, s] = await Promise.all([
        get<Graph>("graph"),
        select ? get<Selection>("select", { select }) : Promise.resolve(null),
      ]);
      graph = g;
      picked = s ? new Set(s.ids) : null;
      errorSlot.replaceChildren();
      draw(keepView);
    } catch (e) {
      errorSlot.replaceChildren(errorBox(e));
    }
  };
  load(false);
  const unsubscribe = subscribe({ runs: throttle(() => load(true), 1000) });
  return () => {
    unsubscribe();
    view.destroy();
  };
};
