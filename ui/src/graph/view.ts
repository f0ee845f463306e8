// The lineage graph on a canvas: culled drawing (only what is on screen), text only when it is
// legible, one path per edge style, so pan and zoom stay within a frame at thousands of nodes.
import { colorOf } from "./colors";
import { layout } from "./layout";

export interface ViewNode {
  id: string;
  label: string;
  sub: string; // kind, partitions
  state: string;
  group?: boolean; // a collapsed group
}

interface Box {
  node: ViewNode;
  x: number; // left
  y: number; // top
}

const W = 190;
const H = 40;

declare global {
  interface Window {
    // What the graph shows, for the browser tests (a canvas has no DOM to inspect).
    __pondGraph?: { nodes: string[]; edges: [string, string][]; drawnAt: number; layoutMs: number; frameMs: number };
  }
}

export class LineageView {
  private canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private boxes: Box[] = [];
  private byId = new Map<string, Box>();
  private edges: [Box, Box][] = [];
  private up = new Map<string, string[]>();
  private down = new Map<string, string[]>();
  private tx = 0;
  private ty = 0;
  private k = 1;
  private hover: Box | null = null;
  private focus: Set<string> | null = null;
  private focused: string | null = null;
  private marked = new Set<string>();
  private frame = 0;
  private resizeObserver: ResizeObserver;

  constructor(
    private host: HTMLElement,
    private onOpen: (id: string) => void,
    private onFocus: (id: string | null) => void = () => {},
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "lineage-canvas";
    this.canvas.setAttribute("aria-label", "lineage graph");
    host.append(this.canvas);
    this.ctx = this.canvas.getContext("2d")!;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(host);
    this.bindInput();
  }

  destroy() {
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
  }

  setGraph(nodes: ViewNode[], edges: [string, string][], keepView = false) {
    const t0 = performance.now();
    const placed = layout(
      nodes.map((n) => ({ id: n.id, width: W, height: H })),
      edges,
    );
    const layoutMs = performance.now() - t0;
    this.boxes = nodes.map((n) => {
      const p = placed.get(n.id)!;
      return { node: n, x: p.x - W / 2, y: p.y - H / 2 };
    });
    this.byId = new Map(this.boxes.map((b) => [b.node.id, b]));
    this.edges = [];
    this.up.clear();
    this.down.clear();
    for (const [a, b] of edges) {
      const ba = this.byId.get(a);
      const bb = this.byId.get(b);
      if (!ba || !bb || a === b) continue;
      this.edges.push([ba, bb]);
      (this.down.get(a) ?? this.down.set(a, []).get(a)!).push(b);
      (this.up.get(b) ?? this.up.set(b, []).get(b)!).push(a);
    }
    if (this.focused && !this.byId.has(this.focused)) this.setFocus(null);
    if (!keepView) this.fit();
    this.draw();
    window.__pondGraph = {
      nodes: nodes.map((n) => n.id),
      edges: this.edges.map(([a, b]) => [a.node.id, b.node.id]),
      drawnAt: performance.now(),
      layoutMs,
      frameMs: window.__pondGraph?.frameMs ?? 0,
    };
  }

  // Updates states and labels without a new layout (live status changes).
  updateNodes(nodes: ViewNode[]) {
    for (const n of nodes) {
      const b = this.byId.get(n.id);
      if (b) b.node = n;
    }
    this.schedule();
  }

  // Nodes drawn with a ring (the search bar's selection).
  mark(ids: Iterable<string>) {
    this.marked = new Set(ids);
    this.schedule();
  }

  // Upstream and downstream of one node stay lit; the rest dims.
  setFocus(id: string | null) {
    this.focused = id;
    if (!id) {
      this.focus = null;
    } else {
      const seen = new Set<string>([id]);
      for (const dir of [this.up, this.down]) {
        const stack: string[] = [id];
        while (stack.length) {
          const cur = stack.pop()!;
          for (const n of dir.get(cur) ?? []) if (!seen.has(n)) seen.add(n), stack.push(n);
        }
      }
      this.focus = seen;
    }
    this.onFocus(id);
    this.schedule();
  }

  centerOn(id: string) {
    const b = this.byId.get(id);
    if (!b) return;
    const r = this.canvas.getBoundingClientRect();
    this.k = Math.max(this.k, 0.8);
    this.tx = r.width / 2 - (b.x + W / 2) * this.k;
    this.ty = r.height / 2 - (b.y + H / 2) * this.k;
    this.schedule();
  }

  fit() {
    const r = this.host.getBoundingClientRect();
    if (!this.boxes.length || r.width === 0) return;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const b of this.boxes) {
      x0 = Math.min(x0, b.x);
      y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + W);
      y1 = Math.max(y1, b.y + H);
    }
    const pad = 30;
    this.k = Math.min(1.2, (r.width - pad * 2) / (x1 - x0), (r.height - pad * 2) / (y1 - y0));
    this.k = Math.max(this.k, 0.02);
    this.tx = (r.width - (x1 - x0) * this.k) / 2 - x0 * this.k;
    this.ty = (r.height - (y1 - y0) * this.k) / 2 - y0 * this.k;
    this.schedule();
  }

  zoom(factor: number) {
    const r = this.canvas.getBoundingClientRect();
    this.zoomAt(r.width / 2, r.height / 2, factor);
  }

  private resize() {
    const r = this.host.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(r.width * dpr));
    this.canvas.height = Math.max(1, Math.round(r.height * dpr));
    this.canvas.style.width = `${r.width}px`;
    this.canvas.style.height = `${r.height}px`;
    this.draw();
  }

  private schedule() {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.draw());
  }

  private zoomAt(sx: number, sy: number, factor: number) {
    const k = Math.min(3, Math.max(0.02, this.k * factor));
    this.tx = sx - ((sx - this.tx) * k) / this.k;
    this.ty = sy - ((sy - this.ty) * k) / this.k;
    this.k = k;
    this.schedule();
  }

  private hit(sx: number, sy: number): Box | null {
    const x = (sx - this.tx) / this.k;
    const y = (sy - this.ty) / this.k;
    for (const b of this.boxes) if (x >= b.x && x <= b.x + W && y >= b.y && y <= b.y + H) return b;
    return null;
  }

  private bindInput() {
    const c = this.canvas;
    let drag: { x: number; y: number; moved: boolean } | null = null;
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        this.zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
      },
      { passive: false },
    );
    c.addEventListener("mousedown", (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
    });
    window.addEventListener("mouseup", (e) => {
      if (!drag) return;
      const wasDrag = drag.moved;
      drag = null;
      if (wasDrag || e.target !== c) return;
      const r = c.getBoundingClientRect();
      const b = this.hit(e.clientX - r.left, e.clientY - r.top);
      this.setFocus(b && b.node.id !== this.focused ? b.node.id : null);
    });
    c.addEventListener("mousemove", (e) => {
      const r = c.getBoundingClientRect();
      if (drag) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
        this.tx += dx;
        this.ty += dy;
        drag.x = e.clientX;
        drag.y = e.clientY;
        this.schedule();
        return;
      }
      const b = this.hit(e.clientX - r.left, e.clientY - r.top);
      if (b !== this.hover) {
        this.hover = b;
        c.style.cursor = b ? "pointer" : "grab";
        c.title = b ? `${b.node.label}\n${b.node.sub}\n${b.node.state}\n(double-click to open)` : "";
        this.schedule();
      }
    });
    c.addEventListener("dblclick", (e) => {
      const r = c.getBoundingClientRect();
      const b = this.hit(e.clientX - r.left, e.clientY - r.top);
      if (b) this.onOpen(b.node.id);
    });
  }

  private draw() {
    const t0 = performance.now();
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.width / dpr;
    const hgt = this.canvas.height / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    ctx.translate(this.tx, this.ty);
    ctx.scale(this.k, this.k);
    // The visible world rectangle, for culling.
    const vx0 = -this.tx / this.k - W, vy0 = -this.ty / this.k - H;
    const vx1 = (w - this.tx) / this.k + W, vy1 = (hgt - this.ty) / this.k + H;
    const visible = (b: Box) => b.x > vx0 - W && b.x < vx1 && b.y > vy0 - H && b.y < vy1;
    const lit = (id: string) => !this.focus || this.focus.has(id);

    // Edges: dim ones, then lit ones on top.
    for (const pass of [false, true]) {
      ctx.beginPath();
      let any = false;
      for (const [a, b] of this.edges) {
        const on = lit(a.node.id) && lit(b.node.id);
        if (on !== pass && this.focus) continue;
        if (!pass && !this.focus) continue;
        const x0 = a.x + W, y0 = a.y + H / 2, x1 = b.x, y1 = b.y + H / 2;
        if (Math.max(x0, x1) < vx0 || Math.min(x0, x1) > vx1 || Math.max(y0, y1) < vy0 || Math.min(y0, y1) > vy1)
          continue;
        const mx = (x0 + x1) / 2;
        ctx.moveTo(x0, y0);
        ctx.bezierCurveTo(mx, y0, mx, y1, x1, y1);
        any = true;
      }
      if (!any) continue;
      ctx.strokeStyle = pass ? (this.focus ? "#79c0ff" : "#59636e") : "#30363d";
      ctx.lineWidth = Math.max(1, (pass && this.focus ? 1.6 : 1.1) / Math.sqrt(this.k));
      ctx.stroke();
    }

    const detailed = this.k >= 0.35;
    ctx.textBaseline = "middle";
    for (const b of this.boxes) {
      if (!visible(b)) continue;
      const n = b.node;
      const on = lit(n.id);
      ctx.globalAlpha = on ? 1 : 0.25;
      ctx.fillStyle = n.group ? "#1c2330" : "#161b22";
      ctx.strokeStyle = b === this.hover ? "#c9d1d9" : this.marked.has(n.id) ? "#e3b341" : n.id === this.focused ? "#79c0ff" : "#30363d";
      ctx.lineWidth = this.marked.has(n.id) || n.id === this.focused || b === this.hover ? 2 : 1;
      if (detailed) {
        ctx.beginPath();
        ctx.roundRect(b.x, b.y, W, H, 6);
        ctx.fill();
        ctx.stroke();
        ctx.fillStyle = colorOf(n.state);
        ctx.fillRect(b.x, b.y + 4, 4, H - 8);
        ctx.fillStyle = "#e6edf3";
        ctx.font = `${n.group ? "600 " : ""}12px ui-sans-serif, system-ui, sans-serif`;
        ctx.fillText(clip(ctx, n.label, W - 20), b.x + 12, b.y + 14);
        ctx.fillStyle = "#8b949e";
        ctx.font = "10.5px ui-sans-serif, system-ui, sans-serif";
        ctx.fillText(clip(ctx, n.sub, W - 20), b.x + 12, b.y + 29);
      } else {
        ctx.fillStyle = colorOf(n.state);
        ctx.fillRect(b.x, b.y, W, H);
      }
    }
    ctx.globalAlpha = 1;
    if (window.__pondGraph) window.__pondGraph.frameMs = performance.now() - t0;
  }
}

function clip(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(text.slice(0, mid) + "…").width <= max) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}
