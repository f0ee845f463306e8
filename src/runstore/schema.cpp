// The run store's schema, as ordered migrations. Never edit a released migration: add one.
#include <string>

#include "common/time.hpp"
#include "runstore/run_store.hpp"

namespace pond::runstore {

const std::vector<Migration>& run_store_migrations() {
  static const std::vector<Migration> migrations = {
      {1, "runs, steps, events, asset materializations and checks", R"sql(
CREATE TABLE runs (
  run_id        TEXT PRIMARY KEY,
  command       TEXT NOT NULL,
  selection     TEXT NOT NULL DEFAULT '',
  args_json     TEXT NOT NULL DEFAULT '{}',
  status        TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  target        TEXT NOT NULL DEFAULT '',
  "trigger"     TEXT NOT NULL DEFAULT 'cli',
  parent_run_id TEXT,
  summary_json  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_by_start ON runs(started_at DESC);
CREATE INDEX runs_by_status ON runs(status, started_at DESC);

CREATE TABLE steps (
  run_id        TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step_key      TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  status        TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT,
  duration_ms   DOUBLE PRECISION,
  rows_affected BIGINT,
  failures      BIGINT,
  message       TEXT NOT NULL DEFAULT '',
  thread        TEXT NOT NULL DEFAULT '',
  relation      TEXT NOT NULL DEFAULT '',
  step_index    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, step_key)
);
CREATE INDEX steps_by_key ON steps(step_key, started_at DESC);

CREATE TABLE events (
  event_id     {{id}},
  run_id       TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step_key     TEXT,
  ts           TEXT NOT NULL,
  level        TEXT NOT NULL DEFAULT 'info',
  kind         TEXT NOT NULL,
  message      TEXT NOT NULL DEFAULT '',
  payload_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_run ON events(run_id, event_id);
CREATE INDEX events_by_ts ON events(ts);

CREATE TABLE asset_materializations (
  id            {{id}},
  asset_key     TEXT NOT NULL,
  run_id        TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step_key      TEXT NOT NULL DEFAULT '',
  ts            TEXT NOT NULL,
  partition_key TEXT NOT NULL DEFAULT '',
  rows          BIGINT,
  bytes         BIGINT,
  duration_ms   DOUBLE PRECISION,
  snapshot_id   BIGINT,
  metadata_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX materializations_by_asset ON asset_materializations(asset_key, partition_key, id DESC);
CREATE INDEX materializations_by_run ON asset_materializations(run_id);

CREATE TABLE asset_checks (
  id         {{id}},
  asset_key  TEXT NOT NULL,
  check_name TEXT NOT NULL,
  run_id     TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  step_key   TEXT NOT NULL DEFAULT '',
  ts         TEXT NOT NULL,
  status     TEXT NOT NULL,
  severity   TEXT NOT NULL DEFAULT 'error',
  failures   BIGINT,
  message    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checks_by_asset ON asset_checks(asset_key, check_name, id DESC);
CREATE INDEX checks_by_run ON asset_checks(run_id);
)sql"},
      {2, "steps.lake_snapshot: the lake snapshot a step committed", R"sql(
ALTER TABLE steps ADD COLUMN lake_snapshot BIGINT;
)sql"},
      {3, "runs.pid/host/heartbeat_at: a run whose process died is found and marked crashed", R"sql(
ALTER TABLE runs ADD COLUMN pid BIGINT;
ALTER TABLE runs ADD COLUMN host TEXT;
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
CREATE INDEX steps_by_status ON steps(run_id, status);
)sql"},
      {4, "asset partitions as ranges, dynamic partition keys, run targets and tags", R"sql(
CREATE TABLE asset_partitions (
  asset_key    TEXT NOT NULL,
  list_key     TEXT NOT NULL DEFAULT '',
  range_start  BIGINT NOT NULL,
  range_end    BIGINT NOT NULL,
  status       TEXT NOT NULL,
  run_id       TEXT NOT NULL,
  ts           TEXT NOT NULL,
  code_version TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (asset_key, list_key, range_start)
);
CREATE INDEX asset_partitions_by_run ON asset_partitions(run_id);

CREATE TABLE dynamic_partitions (
  id            {{id}},
  definition    TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  added_at      TEXT NOT NULL,
  UNIQUE (definition, partition_key)
);

CREATE TABLE run_targets (
  run_id      TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  asset_key   TEXT NOT NULL,
  list_key    TEXT NOT NULL DEFAULT '',
  range_start BIGINT NOT NULL,
  range_end   BIGINT NOT NULL,
  PRIMARY KEY (run_id, asset_key, list_key, range_start)
);
CREATE INDEX run_targets_by_asset ON run_targets(asset_key);

CREATE TABLE run_tags (
  run_id    TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  tag_key   TEXT NOT NULL,
  tag_value TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, tag_key)
);
CREATE INDEX run_tags_by_tag ON run_tags(tag_key, tag_value);
)sql"},
      {5, "backfills and their runs; cancel requests of runs from other processes", R"sql(
CREATE TABLE backfills (
  backfill_id      TEXT PRIMARY KEY,
  selection        TEXT NOT NULL,
  partitions       TEXT NOT NULL,
  range_from       TEXT NOT NULL,
  range_to         TEXT NOT NULL,
  mode             TEXT NOT NULL,
  policy           TEXT NOT NULL,
  status           TEXT NOT NULL,
  args_json        TEXT NOT NULL DEFAULT '{}',
  created_at       TEXT NOT NULL,
  finished_at      TEXT NOT NULL DEFAULT '',
  pid              BIGINT,
  host             TEXT NOT NULL DEFAULT '',
  cancel_requested INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE backfill_runs (
  backfill_id TEXT NOT NULL REFERENCES backfills(backfill_id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  list_key    TEXT NOT NULL DEFAULT '',
  range_start BIGINT NOT NULL,
  range_end   BIGINT NOT NULL,
  partitions  BIGINT NOT NULL,
  assets_json TEXT NOT NULL,
  status      TEXT NOT NULL,
  run_id      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (backfill_id, seq)
);

ALTER TABLE runs ADD COLUMN cancel_requested_at TEXT;
)sql"},
      {6, "the run queue (queued runs with a priority, in queue order) and pool slots held across runs",
       R"sql(
ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN queued_at TEXT;
CREATE INDEX runs_queue ON runs(status, priority DESC, queued_at, run_id);

CREATE TABLE pool_slots (
  pool       TEXT NOT NULL,
  run_id     TEXT NOT NULL,
  step_key   TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (run_id, step_key)
);
CREATE INDEX pool_slots_by_pool ON pool_slots(pool);
)sql"},
      {7,
       "automation: ticks of schedules and sensors (one row each, so none runs twice), on/off and cursors, "
       "the daemon's lease, files a file sensor has seen",
       R"sql(
CREATE TABLE automation_ticks (
  source      TEXT NOT NULL,
  tick_at     BIGINT NOT NULL,
  status      TEXT NOT NULL,
  run_ids     TEXT NOT NULL DEFAULT '',
  reason      TEXT NOT NULL DEFAULT '',
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (source, tick_at)
);

CREATE TABLE automation_state (
  source     TEXT PRIMARY KEY,
  enabled    INTEGER,
  cursor     TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE daemon_lease (
  lease        TEXT PRIMARY KEY,
  token        TEXT NOT NULL,
  pid          BIGINT,
  host         TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
);

CREATE TABLE sensor_files (
  sensor   TEXT NOT NULL,
  path     TEXT NOT NULL,
  mtime_ns BIGINT NOT NULL,
  size     BIGINT NOT NULL,
  run_id   TEXT NOT NULL DEFAULT '',
  seen_at  TEXT NOT NULL,
  PRIMARY KEY (sensor, path)
);
)sql"},
      {8,
       "declarative automation: each evaluation of an asset's conditions at a daemon tick, with its reason "
       "and the runs it requested",
       R"sql(
CREATE TABLE automation_evaluations (
  asset_key   TEXT NOT NULL,
  tick_at     BIGINT NOT NULL,
  requested   INTEGER NOT NULL,
  fired_by    TEXT NOT NULL DEFAULT '',
  partitions  TEXT NOT NULL DEFAULT '',
  run_ids     TEXT NOT NULL DEFAULT '',
  reason      TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (asset_key, tick_at)
);
)sql"},
      {9,
       "a version per table readers cache: asset_partitions' is bumped by every write, so that the daemon "
       "re-reads the partition stretches only when they changed",
       R"sql(
CREATE TABLE store_versions (
  name    TEXT PRIMARY KEY,
  version BIGINT NOT NULL
);
INSERT INTO store_versions (name, version) VALUES ('asset_partitions', 0);
)sql"},
      {10, "file sensors on object stores: the ETag of each object a sensor saw",
       R"sql(
ALTER TABLE sensor_files ADD COLUMN etag TEXT NOT NULL DEFAULT '';
)sql"},
  };
  return migrations;
}

namespace {

// The migration's SQL in the database's dialect.
std::string dialect(const state::Database& db, std::string sql) {
  const std::string id = "{{id}}";
  for (auto at = sql.find(id); at != std::string::npos; at = sql.find(id, at))
    sql.replace(at, id.size(), db.identity_primary_key());
  return sql;
}

}  // namespace

int apply_migrations(state::Database& db, const std::vector<Migration>& migrations) {
  // Processes that open a new store at once migrate it one at a time. SQLite's write transaction
  // is that lock; PostgreSQL's is not (two concurrent CREATE TABLE IF NOT EXISTS collide in
  // pg_type), so there every schema change also takes a transaction-scoped advisory lock.
  auto migration_lock = [&] {
    if (db.kind() == state::Kind::kPostgres) db.query("SELECT pg_advisory_xact_lock(7283500)");
  };
  {
    state::Transaction tx(db, true);
    migration_lock();
    db.execute_script(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)");
    tx.commit();
  }
  auto current = [&] {
    return static_cast<int>(
        state::to_int(db.query("SELECT coalesce(max(version), 0) FROM schema_version")[0][0]));
  };
  // Versions are applied one by one, each that is missing: numbers are given in merge order, so
  // a store may have a later one before an earlier one arrives.
  auto applied = [&](int v) {
    return !db.query("SELECT 1 FROM schema_version WHERE version = ?", {std::int64_t{v}}).empty();
  };
  int version = current();
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    throw state::Error("the run store is at schema version " + std::to_string(version) +
                       ", newer than this pond knows (" + std::to_string(newest) + "); upgrade pond");
  }
  for (const Migration& m : migrations) {
    if (m.version <= version && applied(m.version)) continue;
    state::Transaction tx(db, true);
    migration_lock();
    // Re-check inside the write lock: another process may have migrated meanwhile.
    if (applied(m.version)) continue;
    db.execute_script(dialect(db, m.sql));
    db.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
               {std::int64_t{m.version}, std::string(m.description), iso_utc_now()});
    tx.commit();
  }
  return current();
}

}  // namespace pond::runstore
