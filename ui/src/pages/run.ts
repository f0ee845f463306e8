// One run: status, cancel, a Gantt timeline of its steps, failed steps' errors, live logs.
import { ApiError, get, post, type RunDetail, type RunEvent, type Step } from "../api";
import { colorOf } from "../graph/colors";
import { badge, duration, errorBox, fill, h, link, ms, navigate, shortId, toast } from "../dom";
import { subscribe, throttle } from "../live";
import type { Page } from "../main";

// "test.shop.not_null_orders_id.e2cfb1f9aa" -> "not_null_orders_id"; "model.shop.orders" -> "orders".
export function stepLabel(key: string): string {
  const parts = key.split(".");
  if (parts.length < 3) return key;
  const rest = parts.slice(2);
  if (rest.length > 1 && /^[0-9a-f]{10}$/.test(rest[rest.length - 1])) rest.pop();
  return rest.join(".");
}

function timeline(steps: Step[], runStart: string | null, runEnd: string | null): HTMLElement {
  const timed = steps.filter((s) => s.started_at);
  if (!timed.length) return h("p", { class: "dim" }, "No step has started yet.");
  const t0 = Math.min(...timed.map((s) => Date.parse(s.started_at!)), runStart ? Date.parse(runStart) : Infinity);
  const end = (s: Step) => (s.finished_at ? Date.parse(s.finished_at) : Date.now());
  const t1 = Math.max(...timed.map(end), runEnd ? Date.parse(runEnd) : 0, t0 + 1);
  const span = t1 - t0;
  return h(
    "div",
    { class: "gantt" },
    ...steps.map((s) => {
      const a = s.started_at ? Date.parse(s.started_at) : null;
      const left = a === null ? 0 : ((a - t0) / span) * 100;
      const width = a === null ? 0 : Math.max(0.4, ((end(s) - a) / span) * 100);
      return h(
        "div",
        { class: "gantt-row", "data-step": s.step_key, "data-status": s.status },
        h("div", { class: "gantt-label", title: s.step_key }, stepLabel(s.step_key)),
        h("div", { class: "gantt-track" }, a === null ? h("span", { class: "dim small" }, s.status) : h("div", { class: "gantt-bar", style: `left:${left}%;width:${width}%;background:${colorOf(s.status)}`, title: `${s.step_key}: ${s.status} ${ms(s.duration_ms)}` })),
        h("div", { class: "gantt-meta" }, badge(s.status), " ", ms(s.duration_ms), s.rows !== null ? ` · ${s.rows} rows` : ""),
      );
    }),
  );
}

export const runPage: Page = (root, _params, id) => {
  const head = h("div", { class: "page-head" });
  const gantt = h("section", null);
  const failures = h("div");
  const logList = h("div", { class: "logs", id: "logs" });
  const follow = h("input", { type: "checkbox", checked: true }) as HTMLInputElement;
  root.append(head, failures, gantt, h("section", null, h("h2", null, "Logs ", h("label", { class: "dim small" }, follow, " follow")), logList));
  let runId = id;
  let detail: RunDetail | null = null;

  // The log: the run's events (command output, failures, the run's end) with each step's start
  // and finish, in time order; rebuilt on every update (live while the run goes on).
  const renderLog = (r: RunDetail) => {
    const lines: RunEvent[] = [...r.events];
    for (const s of r.steps) {
      if (s.started_at) lines.push({ event_id: 0, step_key: s.step_key, ts: s.started_at, level: "info", kind: "step_start", message: "" });
      if (s.finished_at)
        lines.push({
          event_id: 0,
          step_key: s.step_key,
          ts: s.finished_at,
          level: s.status === "error" || s.status === "fail" ? "error" : s.status === "warn" ? "warn" : "info",
          kind: "step_finish",
          message: [s.status, s.rows !== null ? `${s.rows} rows` : "", ms(s.duration_ms), s.message.split("\n")[0]].filter(Boolean).join(" · "),
        });
    }
    lines.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.event_id - b.event_id));
    const atEnd = logList.scrollTop + logList.clientHeight >= logList.scrollHeight - 4;
    logList.replaceChildren(
      ...lines.map((e) =>
        h(
          "div",
          { class: `log l-${e.level}` },
          h("span", { class: "log-ts" }, e.ts.slice(11, 23)),
          h("span", { class: "log-kind" }, e.kind),
          h("span", { class: "log-step", title: e.step_key }, stepLabel(e.step_key)),
          h("span", { class: "log-msg" }, e.message),
        ),
      ),
    );
    if (follow.checked && (atEnd || !lines.length)) logList.scrollTop = logList.scrollHeight;
  };

  // Re-execute (failed steps only) or re-run: `pond runs reexecute ID [--failed]`; the new run
  // opens when it is queued.
  const reexecute = async (failedOnly: boolean) => {
    try {
      const res = await post<{ run_id: string; message: string }>(`runs/${runId}/reexecute`, { failed_only: failedOnly });
      toast(h("span", null, res.message, " · ", link(`/runs/${res.run_id}`, `run ${shortId(res.run_id)}`)));
      navigate(`/runs/${res.run_id}`);
    } catch (e) {
      const err = e as ApiError;
      toast(err.message + (err.hint ? ` (${err.hint})` : ""), "error");
    }
  };

  const renderHead = (r: RunDetail) => {
    const active = r.status === "running" || r.status === "queued";
    fill(head,
      h("h1", null, "Run ", h("code", null, r.run_id.slice(0, 8))),
      h("span", { id: "run-status" }, badge(r.status)),
      h("span", { class: "dim" }, `${r.command} ${r.selection || "(everything)"} · ${r.trigger} · ${duration(r.started_at ?? r.queued_at, r.finished_at)}`),
      r.parent_run_id ? h("span", { class: "dim" }, " re-run of ", link(`/runs/${r.parent_run_id}`, r.parent_run_id.slice(0, 8))) : null,
      h("div", { class: "spacer" }),
      r.summary?.counts ? h("span", { class: "dim" }, Object.entries(r.summary.counts).map(([k, v]) => `${k} ${v}`).join(" · ")) : null,
      active
        ? h("button", {
            class: "danger",
            id: "cancel",
            onclick: async () => {
              try {
                const res = await post<{ outcome: string }>(`runs/${r.run_id}/cancel`, {});
                toast(res.outcome === "requested" ? "Asked the run to stop" : `Run ${res.outcome}`);
              } catch (e) {
                toast((e as ApiError).message, "error");
              }
            },
          }, "Cancel")
        : null,
      r.actions.reexecute_failed ? h("button", { id: "reexecute-failed", title: "a new run of the assets whose steps failed, were skipped or never finished", onclick: () => reexecute(true) }, "Re-execute failed steps") : null,
      r.actions.rerun ? h("button", { id: "rerun", title: "a new run of the same assets and partitions", onclick: () => reexecute(false) }, "Re-run") : null,
    );
  };

  const load = async () => {
    try {
      const r = await get<RunDetail>(`runs/${encodeURIComponent(runId)}`);
      runId = r.run_id;
      detail = r;
      renderHead(r);
      gantt.replaceChildren(h("h2", null, `Steps (${r.steps.length})`), timeline(r.steps, r.started_at, r.finished_at));
      const failed = r.steps.filter((s) => (s.status === "error" || s.status === "fail") && s.message);
      failures.replaceChildren(
        ...failed.map((s) => h("div", { class: "error-box" }, h("strong", null, s.step_key), h("pre", null, s.message))),
      );
      renderLog(r);
    } catch (e) {
      head.replaceChildren(h("h1", null, "Run ", h("code", null, id)));
      failures.replaceChildren(errorBox(e));
    }
  };
  load();
  const reload = throttle(load, 300);
  const timer = window.setInterval(() => {
    if (detail?.status === "running") gantt.replaceChildren(h("h2", null, `Steps (${detail.steps.length})`), timeline(detail.steps, detail.started_at, detail.finished_at));
  }, 1000);
  const unsubscribe = subscribe({
    runs: reload,
    event: (e) => {
      if (e.run_id === runId) reload();
    },
  });
  return () => {
    unsubscribe();
    window.clearInterval(timer);
  };
};
