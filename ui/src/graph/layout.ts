// Layered (Sugiyama-style) layout of the lineage graph, left to right. Small graphs use dagre
// (network-simplex ranking, crossing minimisation with long edges routed through dummy nodes).
// dagre's cost explodes with long edges (about 30 s for 1,000 models whose refs skip layers), so
// beyond `kDagreLimit` nodes pond lays out itself: longest-path layers, then barycentre sweeps
// ordering each layer by the mean position of its neighbours, O((V + E) * sweeps).
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

const kDagreLimit = 250;
const kRankSep = 70;
const kNodeSep = 14;

export function layout(nodes: LayoutNode[], edges: [string, string][]): Map<string, Placed> {
  return nodes.length <= kDagreLimit ? dagreLayout(nodes, edges) : layeredLayout(nodes, edges);
}

function dagreLayout(nodes: LayoutNode[], edges: [string, string][]): Map<string, Placed> {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: kNodeSep, ranksep: kRankSep, marginx: 20, marginy: 20 });
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

export function layeredLayout(nodes: LayoutNode[], edges: [string, string][]): Map<string, Placed> {
  const n = nodes.length;
  const index = new Map(nodes.map((v, i) => [v.id, i]));
  const parents: number[][] = nodes.map(() => []);
  const children: number[][] = nodes.map(() => []);
  for (const [a, b] of edges) {
    const i = index.get(a), j = index.get(b);
    if (i === undefined || j === undefined || i === j) continue;
    children[i].push(j);
    parents[j].push(i);
  }
  // Layers: longest path from the sources (Kahn's order). Nodes on a cycle (collapsed groups can
  // make one) are released one at a time, the one with the fewest unplaced parents first.
  const layer = new Array<number>(n).fill(0);
  const pending = parents.map((p) => p.length);
  const placed = new Array<boolean>(n).fill(false);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (pending[i] === 0) queue.push(i);
  let done = 0;
  while (done < n) {
    if (!queue.length) {
      let best = -1;
      for (let i = 0; i < n; i++) if (!placed[i] && (best < 0 || pending[i] < pending[best])) best = i;
      pending[best] = 0;
      queue.push(best);
    }
    const i = queue.pop()!;
    if (placed[i]) continue;
    placed[i] = true;
    done++;
    for (const c of children[i]) {
      if (placed[c]) continue;
      layer[c] = Math.max(layer[c], layer[i] + 1);
      if (--pending[c] === 0) queue.push(c);
    }
  }
  const layers: number[][] = [];
  for (let i = 0; i < n; i++) (layers[layer[i]] ??= []).push(i);
  for (let l = 0; l < layers.length; l++) layers[l] ??= [];
  // Order: barycentre sweeps on normalised positions (layers differ in size).
  const pos = new Float64Array(n);
  const normalise = (l: number[]) => l.forEach((v, k) => (pos[v] = (k + 0.5) / l.length));
  layers.forEach(normalise);
  const key = new Float64Array(n);
  for (let sweep = 0; sweep < 6; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers : [...layers].reverse();
    for (const l of order) {
      for (const v of l) {
        const nb = down ? parents[v] : children[v];
        if (!nb.length) {
          key[v] = pos[v];
          continue;
        }
        let s = 0;
        for (const u of nb) s += pos[u];
        key[v] = s / nb.length;
      }
      l.sort((a, b) => key[a] - key[b]);
      normalise(l);
    }
  }
  const out = new Map<string, Placed>();
  const width = Math.max(...nodes.map((v) => v.width));
  const height = Math.max(...nodes.map((v) => v.height));
  layers.forEach((l, x) => {
    l.forEach((v, k) => {
      out.set(nodes[v].id, {
        x: 20 + width / 2 + x * (width + kRankSep),
        y: (k - (l.length - 1) / 2) * (height + kNodeSep),
      });
    });
  });
  return out;
}
