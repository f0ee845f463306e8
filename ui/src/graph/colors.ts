// Status colours, shared by the canvas and the CSS (style.css uses the same values).
export const statusColor: Record<string, string> = {
  fresh: "#3fb950",
  materialized: "#3fb950",
  success: "#3fb950",
  pass: "#3fb950",
  stale: "#d29922",
  missing: "#6e7681",
  failed: "#f85149",
  error: "#f85149",
  fail: "#f85149",
  running: "#58a6ff",
  queued: "#a5b4fc",
  external: "#a371f7",
  cancelled: "#8b949e",
};

export function colorOf(state: string): string {
  return statusColor[state] ?? "#8b949e";
}
