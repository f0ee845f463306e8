// Schedules and sensors: each with its next tick, on/off (as `pond schedules|sensors on|off`
// keeps it) and its last ticks with what the daemon decided and why.
import { ApiError, get, post } from "../api";
import type { Automation, Schedule, Sensor, Tick } from "../api_ops";
import { ago, badge, errorBox, fill, h, link, shortId, toast } from "../dom";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";

function ticksTable(ticks: Tick[]): HTMLElement {
  if (!ticks.length) return h("p", { class: "dim small" }, "No tick recorded yet (the daemon records them: pond daemon, or pond dev).");
  return h(
    "table",
    { class: "grid compact ticks" },
    h("tbody", null, ticks.map((t) =>
      h("tr", { "data-tick-status": t.status },
        h("td", { class: "nowrap" }, t.tick),
        h("td", null, badge(t.status)),
        h("td", null, t.run_ids.map((id) => link(`/runs/${id}`, h("code", null, shortId(id), " ")))),
        h("td", { class: "wrap" }, t.reason),
      ),
    )),
  );
}

export const automationPage: Page = (root) => {
  const body = h("div");
  root.append(h("div", { class: "page-head" }, h("h1", null, "Schedules & sensors")), body);
  let load = async () => {};
  const toggle = async (kind: "schedules" | "sensors", name: string, on: boolean) => {
    try {
      await post(`${kind}/${encodeURIComponent(name)}/${on ? "on" : "off"}`, {});
      toast(`${kind === "schedules" ? "Schedule" : "Sensor"} ${name} is ${on ? "on" : "off"}`);
      await load();
    } catch (e) {
      toast((e as ApiError).message, "error");
    }
  };
  const switchOf = (kind: "schedules" | "sensors", x: Schedule | Sensor) => {
    const box = h("input", { type: "checkbox", class: "toggle", "data-toggle": x.name, checked: x.enabled, title: x.override === null ? `as pond.yml says (enabled: ${x.enabled_in_yml})` : "set from the UI or the CLI (overrides pond.yml)" }) as HTMLInputElement;
    box.addEventListener("change", () => toggle(kind, x.name, box.checked));
    return h("label", { class: "switch" }, box, x.enabled ? " on" : " off");
  };
  const card = (kind: "schedules" | "sensors", x: Schedule | Sensor, facts: string[]) =>
    h(
      "div",
      { class: "card", "data-name": x.name, "data-kind": kind },
      h("div", { class: "page-head" }, h("h3", null, x.name), switchOf(kind, x), h("span", { class: "dim small" }, facts.join(" · ")), h("div", { class: "spacer" }), h("code", { class: "dim small" }, x.file)),
      ticksTable(x.ticks),
    );
  load = async () => {
    try {
      const a = await get<Automation>("automation");
      fill(body,
        h("p", { class: "dim", id: "daemon" }, a.daemon ? `A daemon runs on ${a.daemon.host}${a.daemon.pid ? " (pid " + a.daemon.pid + ")" : ""}, last heartbeat ${ago(a.daemon.heartbeat_at)}.` : "No daemon holds the run store: schedules and sensors tick only while pond daemon or pond dev runs."),
        h("section", null, h("h2", null, `Schedules (${a.schedules.length})`),
          a.schedules.length ? a.schedules.map((s) => card("schedules", s, [`${s.cron} (${s.timezone})`, `select ${s.select}`, s.partitions ? `partitions ${s.partitions}` : "", s.next_tick ? `next ${s.next_tick_local ?? s.next_tick}` : s.enabled ? "never ticks again" : "off"].filter(Boolean))) : h("p", { class: "dim" }, "No schedule in pond.yml (schedules:)."),
        ),
        h("section", null, h("h2", null, `Sensors (${a.sensors.length})`),
          a.sensors.length ? a.sensors.map((s) => card("sensors", s, [`${s.type}: ${s.watches}`, `select ${s.select}`, `every ${s.interval_s}s`])) : h("p", { class: "dim" }, "No sensor in pond.yml (sensors:)."),
        ),
      );
    } catch (e) {
      fill(body, errorBox(e));
    }
  };
  load();
  return subscribe({ runs: throttle(load, 1000) });
};
