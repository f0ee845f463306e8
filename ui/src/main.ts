// The app shell: top bar (pages, the selection search bar, live status) and a router over
// history URLs, so every page has a URL to share.
import "./style.css";
import { get, type Info } from "./api";
import { h, link, setNavigator } from "./dom";
import { connect, onLiveState } from "./live";
import { assetPage } from "./pages/asset";
import { automationPage } from "./pages/automation";
import { backfillPage } from "./pages/backfill";
import { backfillsPage } from "./pages/backfills";
import { lakePage, lakeTablePage } from "./pages/lake";
import { catalogPage } from "./pages/catalog";
import { overviewPage } from "./pages/overview";
import { runPage } from "./pages/run";
import { runsPage } from "./pages/runs";

// A page renders into `root` and returns what to do when it is left.
export type Page = (root: HTMLElement, params: URLSearchParams, ...captures: string[]) => (() => void) | void;

const routes: [RegExp, Page, string][] = [
  [/^\/$/, overviewPage, "overview"],
  [/^\/assets\/?$/, catalogPage, "assets"],
  [/^\/assets\/(.+)$/, assetPage, "assets"],
  [/^\/runs\/?$/, runsPage, "runs"],
  [/^\/runs\/([^/]+)$/, runPage, "runs"],
  [/^\/backfills\/?$/, backfillsPage, "backfills"],
  [/^\/backfills\/([^/]+)$/, backfillPage, "backfills"],
  [/^\/automation\/?$/, automationPage, "automation"],
  [/^\/lake\/?$/, lakePage, "lake"],
  [/^\/lake\/(.+)$/, lakeTablePage, "lake"],
];

const main = h("main", { id: "page" });
const navLinks = new Map<string, HTMLAnchorElement>();
let leave: (() => void) | void;

const search = h("input", {
  id: "search",
  type: "search",
  placeholder: "Select assets:  +orders  tag:daily  stg_*  (Enter)",
  spellcheck: "false",
  autocomplete: "off",
}) as HTMLInputElement;
search.addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  const q = search.value.trim();
  navigate(q ? `/assets?select=${encodeURIComponent(q)}` : "/assets");
});

function render() {
  if (leave) leave();
  leave = undefined;
  const url = new URL(location.href);
  const path = decodeURIComponent(url.pathname);
  main.replaceChildren();
  for (const [re, page, section] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    for (const [name, a] of navLinks) a.classList.toggle("active", name === section);
    if (section === "assets" && url.searchParams.get("select") !== null)
      search.value = url.searchParams.get("select") ?? "";
    leave = page(main, url.searchParams, ...m.slice(1));
    return;
  }
  main.append(h("div", { class: "empty" }, h("h2", null, "Not found"), h("p", null, `No page at ${path}. `, link("/", "Overview"))));
}

function navigate(href: string) {
  if (href === location.pathname + location.search) return;
  history.pushState(null, "", href);
  render();
}

setNavigator(navigate);
window.addEventListener("popstate", render);

const liveDot = h("span", { class: "live-dot", title: "live updates" });
const project = h("span", { class: "project" });
const header = h(
  "header",
  null,
  link("/", h("span", { class: "logo" }, "pond")),
  project,
  h(
    "nav",
    null,
    ...[
      ["overview", "/", "Overview"],
      ["assets", "/assets", "Assets"],
      ["runs", "/runs", "Runs"],
      ["backfills", "/backfills", "Backfills"],
      ["automation", "/automation", "Schedules"],
      ["lake", "/lake", "Lake"],
    ].map(([name, href, text]) => {
      const a = link(href, text);
      navLinks.set(name, a);
      return a;
    }),
  ),
  search,
  liveDot,
);
document.getElementById("app")!.replaceChildren(header, main);
onLiveState((s) => {
  liveDot.className = `live-dot ${s}`;
  liveDot.title = `live updates: ${s}`;
});
get<Info>("info")
  .then((info) => {
    project.textContent = info.project;
    document.title = `${info.project} · pond`;
  })
  .catch(() => {});
connect();
render();
