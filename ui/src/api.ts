// The JSON API of `pond ui` (docs/ui.md). Errors come back as {"error", "hint"}; they are thrown
// as ApiError so pages can show them.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public hint?: string,
  ) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, `the server answered something that is not JSON (HTTP ${res.status})`);
  }
  if (!res.ok) {
    const e = body as { error?: string; hint?: string } | null;
    throw new ApiError(res.status, e?.error ?? `HTTP ${res.status}`, e?.hint);
  }
  return body as T;
}

export async function get<T>(path: string, params?: Record<string, string | undefined>): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== "") q.set(k, v);
  const qs = q.toString();
  return answer<T>(await fetch(`/api/${path}${qs ? "?" + qs : ""}`, { headers: { Accept: "application/json" } }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(`/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

export interface PartitionCounts {
  definition: string;
  total: number;
  materialized: number;
  failed: number;
  missing: number;
  in_progress: number;
  stale: number;
}

export interface AssetStatus {
  state: string;
  last_materialized: string | null;
  last_run_id: string | null;
  reasons: string[];
  partitions: PartitionCounts | null;
}

export interface GraphAsset {
  id: number;
  name: string;
  key: string;
  kind: string;
  group: string;
  tags: string[];
  materializable: boolean;
  status: AssetStatus;
  checks: { pass: number; warn: number; fail: number };
}

export interface Graph {
  project: string;
  assets: GraphAsset[];
  edges: [number, number][];
  groups: string[];
}

export interface Selection {
  ids: number[];
  names: string[];
}

export interface Run {
  run_id: string;
  command: string;
  selection: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  queued_at: string | null;
  trigger: string;
  target: string;
  parent_run_id: string | null;
  summary: { counts?: Record<string, number>; elapsed?: number } | null;
  priority: number;
}

export interface Step {
  step_key: string;
  index: number;
  type: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  rows: number | null;
  failures: number | null;
  message: string;
  relation: string;
  thread: string;
  snapshot_id: number | null;
}

export interface RunEvent {
  event_id: number;
  run_id?: string;
  step_key: string;
  ts: string;
  level: string;
  kind: string;
  message: string;
}

export interface RunDetail extends Run {
  actions: import("./api_ops").RunActions;
  tags: Record<string, string>;
  targets: { asset_key: string; list_key: string; from: number; to: number }[];
  steps: Step[];
  events: RunEvent[];
  checks: { asset_key: string; name: string; status: string; message: string }[];
}

export interface Stretch {
  from: number;
  to: number;
  status: string;
  run_id: string;
}

export interface PartitionHealth {
  definition: string;
  count: number;
  dynamic: boolean;
  first_key?: string;
  last_key?: string;
  rows: { list_key: string; stretches: Stretch[] }[];
}

export interface AssetDetail {
  name: string;
  key: string;
  kind: string;
  group: string;
  description: string;
  owners: string[];
  tags: string[];
  table: string;
  file: string;
  code_version: string;
  materializable: boolean;
  materialized?: string;
  parents: { name: string; kind: string }[];
  children: { name: string; kind: string }[];
  status: AssetStatus;
  checks: { name: string; status: string; severity: string; failures: number | null; message: string; run_id: string; ts: string }[];
  columns: { name: string; description: string; data_type: string }[];
  raw_sql: string | null;
  compiled_sql: string | null;
  command: string | null;
  materializations: {
    ts: string;
    run_id: string;
    partition: string;
    rows: number | null;
    bytes: number | null;
    duration_ms: number | null;
    snapshot_id: number | null;
  }[];
  partition_health: PartitionHealth | null;
  lake_columns: import("./api_ops").LakeColumn[] | null;
  lake_error?: string;
  check_history: { name: string; status: string; failures: number | null; message: string; run_id: string; ts: string }[];
  automation_evaluations: { tick: string; requested: boolean; condition: string; partitions: string; run_ids: string[]; reason: string; recorded_at: string }[];
}

export interface Overview {
  active_runs: Run[];
  recent_failures: Run[];
  asset_counts: Record<string, number>;
  attention: { name: string; state: string; reasons: string[] }[];
  schedules: { schedule: string; cron: string; timezone: string; enabled: boolean; next: string | null; partition?: string }[];
  assets: number;
}

export interface Info {
  project: string;
  root: string;
  mode: string;
  daemon: boolean;
  version: string;
}
