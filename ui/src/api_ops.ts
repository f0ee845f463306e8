// Types of the operations endpoints (docs/ui.md): re-execute, backfills, schedules and sensors,
// the lake.
import type { PartitionHealth } from "./api";

export interface RunActions {
  rerun: boolean;
  reexecute_failed: boolean;
}

export interface BackfillCounts {
  done: number;
  failed: number;
  in_progress: number;
  missing: number;
  total: number;
}

export interface Backfill {
  backfill_id: string;
  status: string;
  selection: string;
  partitions: string;
  from: string;
  to: string;
  mode: string;
  policy: string;
  created_at: string;
  finished_at: string | null;
  cancel_requested: boolean;
  runs: number;
  runs_done: number;
  runs_failed: number;
  counts: BackfillCounts;
}

export interface BackfillDetail extends Backfill {
  planned_runs: { seq: number; scope: string; list_key: string; partitions: number; assets: string[]; status: string; run_id: string | null }[];
  progress: PartitionHealth | null;
  problem?: string;
}

export interface BackfillRequest {
  select: string;
  exclude?: string;
  from: string;
  to: string;
  mode: string;
  policy: string;
  reverse?: boolean;
}

export interface BackfillPlan {
  definition: string;
  selection: string;
  from: string;
  to: string;
  mode: string;
  policy: string;
  assets: string[];
  run_count: number;
  asset_partitions: number;
  steps: number;
  runs: { scope: string; partitions: number; assets: string[] }[];
}

export interface Tick {
  tick: string;
  status: string;
  run_ids: string[];
  reason: string;
  outcome: string;
  recorded_at: string;
}

interface Automated {
  name: string;
  select: string;
  enabled: boolean;
  enabled_in_yml: boolean;
  override: boolean | null;
  file: string;
  ticks: Tick[];
}

export interface Schedule extends Automated {
  cron: string;
  timezone: string;
  partitions: string;
  catchup: number;
  next_tick: string | null;
  next_tick_local?: string;
}

export interface Sensor extends Automated {
  type: string;
  watches: string;
  interval_s: number;
}

export interface Automation {
  schedules: Schedule[];
  sensors: Sensor[];
  daemon: { host: string; pid: number | null; started_at: string; heartbeat_at: string } | null;
}

export interface LakeColumn {
  name: string;
  type: string;
  nullable: boolean;
  comment: string | null;
}

export interface LakeOverview {
  lake: { catalog: string; catalog_kind: string; data_path: string; latest_snapshot: number } | null;
  error?: string;
  hint?: string;
  snapshot?: number;
  snapshots?: { id: number; time: string; schema_version: number; changes: string; author: string | null; commit_message: string | null }[];
  tables?: { name: string; id: number; columns: number; files: number; rows: number; bytes: number; created_snapshot: number; asset: string | null }[];
}

export interface LakeTable {
  table: string;
  snapshot: number;
  created_snapshot: number;
  columns: LakeColumn[];
  row_count: number;
  limit: number;
  rows: (string | null)[][];
}
