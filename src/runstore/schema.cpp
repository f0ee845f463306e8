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
  db.execute_script(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
      "applied_at TEXT NOT NULL)");
  auto current = [&] {
    return static_cast<int>(
        state::to_int(db.query("SELECT coalesce(max(version), 0) FROM schema_version")[0][0]));
  };
  int version = current();
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    throw state::Error("the run store is at schema version " + std::to_string(version) +
                       ", newer than this pond knows (" + std::to_string(newest) + "); upgrade pond");
  }
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    state::Transaction tx(db, true);
    // Re-check inside the write lock: another process may have migrated meanwhile.
    if (current() >= m.version) continue;
    db.execute_script(dialect(db, m.sql));
    db.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
               {std::int64_t{m.version}, std::string(m.description), iso_utc_now()});
    tx.commit();
    version = m.version;
  }
  return current();
}

}  // namespace pond::runstore
