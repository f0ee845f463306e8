// The partition health bar: every partition of an asset as a cell coloured by its last outcome,
// drawn from stretches (a few rectangles even for 100,000 partitions). Dragging over it picks a
// range to materialize.
import type { PartitionHealth } from "../api";
import { colorOf } from "../graph/colors";
import { h } from "../dom";

export function healthBar(
  health: PartitionHealth,
  onPick?: (listKey: string, from: number, to: number) => void,
): HTMLElement {
  const rowH = 18;
  const canvas = h("canvas", { class: "health", "aria-label": "partition health" }) as HTMLCanvasElement;
  const label = h("div", { class: "dim small" });
  const wrap = h("div", { class: "health-wrap" }, canvas, label);
  const rows = health.rows;
  let pick: { row: number; a: number; b: number } | null = null;

  const draw = () => {
    const t0 = performance.now();
    const width = wrap.getBoundingClientRect().width || 800;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(rows.length * rowH * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${rows.length * rowH}px`;
    const ctx = canvas.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const n = Math.max(1, health.count);
    const x = (i: number) => (i / n) * width;
    rows.forEach((r, k) => {
      const y = k * rowH;
      ctx.fillStyle = colorOf("missing");
      ctx.globalAlpha = 0.45;
      ctx.fillRect(0, y + 2, width, rowH - 4);
      ctx.globalAlpha = 1;
      for (const s of r.stretches) {
        ctx.fillStyle = colorOf(s.status);
        ctx.fillRect(x(s.from), y + 2, Math.max(1, x(s.to) - x(s.from)), rowH - 4);
      }
      if (pick && pick.row === k) {
        const a = Math.min(pick.a, pick.b), b = Math.max(pick.a, pick.b);
        ctx.strokeStyle = "#e3b341";
        ctx.lineWidth = 2;
        ctx.strokeRect(x(a), y + 1, Math.max(2, x(b + 1) - x(a)), rowH - 2);
      }
    });
    (window as unknown as { __pondHealthMs?: number }).__pondHealthMs = performance.now() - t0;
  };

  const at = (e: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    const i = Math.floor(((e.clientX - r.left) / r.width) * health.count);
    const row = Math.floor((e.clientY - r.top) / rowH);
    return { i: Math.min(health.count - 1, Math.max(0, i)), row: Math.min(rows.length - 1, Math.max(0, row)) };
  };
  const describe = (row: number, a: number, b: number) =>
    `${rows[row].list_key ? rows[row].list_key + ": " : ""}partition${a === b ? ` #${a + 1}` : `s #${a + 1}–#${b + 1}`} of ${health.count}`;
  canvas.addEventListener("mousedown", (e) => {
    if (!onPick) return;
    const p = at(e);
    pick = { row: p.row, a: p.i, b: p.i };
    draw();
  });
  canvas.addEventListener("mousemove", (e) => {
    const p = at(e);
    if (pick && e.buttons === 1) {
      pick.b = p.i;
      draw();
    }
    const s = rows[p.row]?.stretches.find((s) => p.i >= s.from && p.i < s.to);
    label.textContent = `${describe(p.row, p.i, p.i)}: ${s ? s.status : "missing"}`;
  });
  canvas.addEventListener("mouseup", () => {
    if (!pick || !onPick) return;
    const a = Math.min(pick.a, pick.b), b = Math.max(pick.a, pick.b);
    onPick(rows[pick.row].list_key, a, b);
  });
  new ResizeObserver(draw).observe(wrap);
  label.textContent = health.count ? `${health.first_key ?? ""} … ${health.last_key ?? ""} (${health.count} partitions${onPick ? "; drag to pick a range" : ""})` : "no partition exists yet";
  requestAnimationFrame(draw);
  return wrap;
}
