// Live updates: one EventSource for the whole app (server-sent events from /api/events).
// "runs": some run changed status; "event": a new run event; "resync": we missed messages.
import type { RunEvent } from "./api";

type Listener = { runs?: () => void; event?: (e: RunEvent) => void };

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let state: "connecting" | "live" | "offline" = "connecting";
const stateListeners = new Set<(s: typeof state) => void>();

function setState(s: typeof state) {
  state = s;
  for (const l of stateListeners) l(s);
}

export function connect() {
  if (source) return;
  source = new EventSource("/api/events");
  source.onopen = () => setState("live");
  source.onerror = () => setState(source?.readyState === EventSource.CLOSED ? "offline" : "connecting");
  source.addEventListener("runs", () => {
    for (const l of listeners) l.runs?.();
  });
  source.addEventListener("resync", () => {
    for (const l of listeners) l.runs?.();
  });
  source.addEventListener("event", (m) => {
    const e = JSON.parse((m as MessageEvent).data) as RunEvent;
    for (const l of listeners) l.event?.(e);
  });
}

// Returns the function that unsubscribes (pages call it when they are left).
export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function onLiveState(f: (s: typeof state) => void) {
  stateListeners.add(f);
  f(state);
}

// Calls `f` at most once per `ms` (trailing): bursts of events refetch once.
export function throttle(f: () => void, ms: number): () => void {
  let timer: number | null = null;
  let last = 0;
  return () => {
    if (timer !== null) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = window.setTimeout(() => {
      timer = null;
      last = Date.now();
      f();
    }, wait);
  };
}
