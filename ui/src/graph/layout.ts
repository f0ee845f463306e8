// Layered (Sugiyama) layout of the lineage graph with dagre, left to right.
import dagre from "@dagrejs/dagre";

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface Placed {
  x: number; // centre
  y: number;
}

export function layout(nodes: LayoutNode[], edges: [string, string][]): Map<string, Placed> {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const [a, b] of edges) if (a !== b) g.setEdge(a, b);
  dagre.layout(g);
  const out = new Map<string, Placed>();
  for (const n of nodes) {
    const p = g.node(n.id) as { x: number; y: number };
    out.set(n.id, { x: p.x, y: p.y });
  }
  return out;
}
