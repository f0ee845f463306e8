// Small DOM helpers: pages build their elements with h() and never assign innerHTML from data.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, "").toLowerCase(), v);
    else if (k === "class") el.className = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// An in-app link (history navigation, so URLs stay shareable).
export function link(href: string, ...children: (Child | Child[])[]): HTMLAnchorElement {
  const a = h("a", { href }, ...children);
  a.addEventListener("click", (e) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(href);
  });
  return a;
}

let navigator_: (href: string) => void = () => {};
export function setNavigator(f: (href: string) => void) {
  navigator_ = f;
}
export function navigate(href: string) {
  navigator_(href);
}

export function badge(state: string): HTMLSpanElement {
  return h("span", { class: `badge s-${state.replace(/\s+/g, "-")}`, "data-status": state }, state);
}

export function ago(iso: string | null): string {
  if (!iso) return "never";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function duration(startIso: string | null, endIso: string | null): string {
  if (!startIso) return "";
  const a = Date.parse(startIso);
  const b = endIso ? Date.parse(endIso) : Date.now();
  if (Number.isNaN(a) || Number.isNaN(b)) return "";
  return ms((b - a));
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60000) return `${(v / 1000).toFixed(1)} s`;
  return `${Math.floor(v / 60000)}m ${Math.round((v % 60000) / 1000)}s`;
}

export function errorBox(e: unknown): HTMLElement {
  const err = e as { message?: string; hint?: string; status?: number };
  return h(
    "div",
    { class: "error-box", role: "alert" },
    h("strong", null, err.message ?? String(e)),
    err.hint ? h("div", { class: "hint" }, err.hint) : null,
  );
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

let toastTimer = 0;
export function toast(message: string | Node, kind: "ok" | "error" = "ok") {
  let el = document.getElementById("toast");
  if (!el) {
    el = h("div", { id: "toast" });
    document.body.append(el);
  }
  el.className = `toast ${kind}`;
  el.replaceChildren(message);
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => el?.classList.add("hidden"), 6000);
}

// replaceChildren that skips null/false (optional parts of a page).
export function fill(el: Element, ...children: (Node | string | null | undefined | false)[]) {
  el.replaceChildren(...(children.filter((c) => c !== null && c !== undefined && c !== false) as (Node | string)[]));
}
