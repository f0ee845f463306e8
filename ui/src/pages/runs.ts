// Runs, most recent first, filtered by status, asset, tag and date (all in the URL).
import { get, type Run } from "../api";
import { errorBox, h, navigate } from "../dom";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";
import { runTable } from "./overview";

export const runsPage: Page = (root, params) => {
  const field = (name: string, el: HTMLInputElement | HTMLSelectElement) => {
    el.value = params.get(name) ?? "";
    el.name = name;
    return el;
  };
  const status = field(
    "status",
    h("select", null, ...["", "queued", "running", "success", "error", "cancelled", "crashed"].map((s) => h("option", { value: s }, s || "any status"))) as HTMLSelectElement,
  );
  const asset = field("asset", h("input", { placeholder: "asset", type: "search" }) as HTMLInputElement);
  const tag = field("tag", h("input", { placeholder: "tag key=value", type: "search" }) as HTMLInputElement);
  const since = field("since", h("input", { type: "date", title: "started on or after" }) as HTMLInputElement);
  const apply = () => {
    const p = new URLSearchParams();
    for (const el of [status, asset, tag, since]) if (el.value) p.set(el.name, el.value);
    navigate(`/runs${p.toString() ? "?" + p : ""}`);
  };
  for (const el of [status, since]) el.addEventListener("change", apply);
  for (const el of [asset, tag]) el.addEventListener("keydown", (e) => (e as KeyboardEvent).key === "Enter" && apply());
  const body = h("div");
  root.append(h("div", { class: "page-head" }, h("h1", null, "Runs"), h("form", { class: "filters", onsubmit: (e: Event) => (e.preventDefault(), apply()) }, status, asset, tag, since)), body);
  const load = async () => {
    try {
      const r = await get<{ runs: Run[] }>("runs", {
        status: params.get("status") ?? undefined,
        asset: params.get("asset") ?? undefined,
        tag: params.get("tag") ?? undefined,
        since: params.get("since") ?? undefined,
        limit: "100",
      });
      body.replaceChildren(runTable(r.runs, "No run matches."));
    } catch (e) {
      body.replaceChildren(errorBox(e));
    }
  };
  load();
  return subscribe({ runs: throttle(load, 500) });
};
