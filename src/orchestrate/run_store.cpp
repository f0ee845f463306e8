#include "orchestrate/run_store.hpp"

#include <fmt/format.h>

#include <random>

#include "common/uuid.hpp"
#include "orchestrate/sqlite.hpp"

namespace pond::orchestrate {

RunStore::RunStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
RunStore::RunStore(RunStore&&) noexcept = default;
RunStore& RunStore::operator=(RunStore&&) noexcept = default;
RunStore::~RunStore() = default;

RunStore RunStore::open(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto db = std::make_unique<sqlite::Database>(sqlite::Database::open(path.string()));
  apply_migrations(*db, run_store_migrations());
  return RunStore(std::move(db));
}

int RunStore::schema_version() {
  auto q = db_->prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  q.step();
  return static_cast<int>(q.get_int(0));
}

namespace {

std::optional<std::string> opt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

constexpr const char* kRunColumns =
    "run_id, command, selection, args_json, status, started_at, coalesce(finished_at, ''), target, trigger, "
    "coalesce(parent_run_id, ''), summary_json";

RunRecord read_run(sqlite::Statement& q) {
  return RunRecord{q.get_text(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_text(4), q.get_text(5),
                   q.get_text(6), q.get_text(7), q.get_text(8), q.get_text(9), q.get_text(10)};
}

}  // namespace

void RunStore::transaction(const std::function<void()>& body) {
  sqlite::Transaction tx(*db_);
  body();
  tx.commit();
}

void RunStore::start_run(const RunRecord& r) {
  db_->prepare(
         "INSERT INTO runs (run_id, command, selection, args_json, status, started_at, target, trigger, "
         "parent_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, r.run_id)
      .bind(2, r.command)
      .bind(3, r.selection)
      .bind(4, r.args_json)
      .bind(5, r.status.empty() ? std::string("running") : r.status)
      .bind(6, r.started_at)
      .bind(7, r.target)
      .bind(8, r.trigger)
      .bind(9, opt(r.parent_run_id))
      .run();
}

void RunStore::finish_run(const std::string& run_id, const std::string& status,
                          const std::string& finished_at, const std::string& summary_json) {
  db_->prepare("UPDATE runs SET status = ?, finished_at = ?, summary_json = ? WHERE run_id = ?")
      .bind(1, status)
      .bind(2, finished_at)
      .bind(3, summary_json.empty() ? std::string("{}") : summary_json)
      .bind(4, run_id)
      .run();
}

void RunStore::record_step(const StepRecord& s) {
  db_->with_cached(
      "INSERT OR REPLACE INTO steps (run_id, step_key, resource_type, status, started_at, finished_at, "
      "duration_ms, rows_affected, failures, message, thread, relation, step_index, lake_snapshot) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](sqlite::Statement& q) {
        q.bind(1, s.run_id)
            .bind(2, s.step_key)
            .bind(3, s.resource_type)
            .bind(4, s.status)
            .bind(5, opt(s.started_at))
            .bind(6, opt(s.finished_at))
            .bind(7, s.duration_ms)
            .bind(8, s.rows_affected)
            .bind(9, s.failures)
            .bind(10, s.message)
            .bind(11, s.thread)
            .bind(12, s.relation)
            .bind(13, std::int64_t{s.step_index})
            .bind(14, s.lake_snapshot)
            .run();
      });
}

std::int64_t RunStore::record_event(const EventRecord& e) {
  std::int64_t id = 0;
  db_->with_cached(
      "INSERT INTO events (run_id, step_key, ts, level, kind, message, payload_json) VALUES (?, ?, ?, ?, ?, "
      "?, ?) "
      "RETURNING event_id",
      [&](sqlite::Statement& q) {
        q.bind(1, e.run_id)
            .bind(2, opt(e.step_key))
            .bind(3, e.ts)
            .bind(4, e.level)
            .bind(5, e.kind)
            .bind(6, e.message)
            .bind(7, e.payload_json.empty() ? std::string("{}") : e.payload_json);
        q.step();
        id = q.get_int(0);
        while (q.step()) {
        }
      });
  return id;
}

void RunStore::record_materialization(const MaterializationRecord& m) {
  db_->with_cached(
      "INSERT INTO asset_materializations (asset_key, run_id, step_key, ts, partition_key, rows, bytes, "
      "duration_ms, snapshot_id, metadata_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](sqlite::Statement& q) {
        q.bind(1, m.asset_key)
            .bind(2, m.run_id)
            .bind(3, m.step_key)
            .bind(4, m.ts)
            .bind(5, m.partition_key)
            .bind(6, m.rows)
            .bind(7, m.bytes)
            .bind(8, m.duration_ms)
            .bind(9, m.snapshot_id)
            .bind(10, m.metadata_json.empty() ? std::string("{}") : m.metadata_json)
            .run();
      });
}

void RunStore::record_check(const CheckRecord& c) {
  db_->with_cached(
      "INSERT INTO asset_checks (asset_key, check_name, run_id, step_key, ts, status, severity, failures, "
      "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [&](sqlite::Statement& q) {
        q.bind(1, c.asset_key)
            .bind(2, c.check_name)
            .bind(3, c.run_id)
            .bind(4, c.step_key)
            .bind(5, c.ts)
            .bind(6, c.status)
            .bind(7, c.severity.empty() ? std::string("error") : c.severity)
            .bind(8, c.failures)
            .bind(9, c.message)
            .run();
      });
}

std::vector<RunRecord> RunStore::recent_runs(int limit) {
  auto q = db_->prepare(std::string("SELECT ") + kRunColumns +
                        " FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?");
  q.bind(1, std::int64_t{limit});
  std::vector<RunRecord> out;
  while (q.step()) out.push_back(read_run(q));
  return out;
}

std::optional<RunRecord> RunStore::find_run(const std::string& id_or_prefix) {
  auto q = db_->prepare(std::string("SELECT ") + kRunColumns +
                        " FROM runs WHERE run_id = ?1 OR substr(run_id, 1, length(?1)) = ?1 LIMIT 2");
  q.bind(1, id_or_prefix);
  std::vector<RunRecord> found;
  while (q.step()) found.push_back(read_run(q));
  if (found.empty()) return std::nullopt;
  for (const auto& r : found)
    if (r.run_id == id_or_prefix) return r;
  if (found.size() > 1) throw sqlite::Error("run id prefix '" + id_or_prefix + "' matches several runs");
  return found.front();
}

std::vector<StepRecord> RunStore::steps_of(const std::string& run_id) {
  auto q = db_->prepare(
      "SELECT run_id, step_key, resource_type, status, coalesce(started_at, ''), coalesce(finished_at, ''), "
      "duration_ms, rows_affected, failures, message, thread, relation, step_index, lake_snapshot FROM steps "
      "WHERE "
      "run_id = ? "
      "ORDER BY step_index, step_key");
  q.bind(1, run_id);
  std::vector<StepRecord> out;
  while (q.step()) {
    out.push_back(StepRecord{q.get_text(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_text(4),
                             q.get_text(5), q.get_optional_double(6), q.get_optional_int(7),
                             q.get_optional_int(8), q.get_text(9), q.get_text(10), q.get_text(11),
                             static_cast<int>(q.get_int(12)), q.get_optional_int(13)});
  }
  return out;
}

std::optional<RunRecord> RunStore::last_run(const std::vector<std::string>& commands) {
  std::string where;
  for (std::size_t i = 0; i < commands.size(); ++i) where += (i ? ", ?" : "?");
  auto q = db_->prepare(std::string("SELECT ") + kRunColumns + " FROM runs" +
                        (commands.empty() ? "" : " WHERE command IN (" + where + ")") +
                        " ORDER BY started_at DESC, rowid DESC LIMIT 1");
  for (std::size_t i = 0; i < commands.size(); ++i) q.bind(static_cast<int>(i + 1), commands[i]);
  if (!q.step()) return std::nullopt;
  return read_run(q);
}

std::vector<StepRecord> RunStore::steps_to_retry(const std::string& run_id) {
  std::vector<StepRecord> out;
  for (auto& s : steps_of(run_id)) {
    if (s.status == "error" || s.status == "fail" || s.status == "skipped" || s.status == "partial success" ||
        s.status == "running")
      out.push_back(std::move(s));
  }
  return out;
}

std::vector<EventRecord> RunStore::events_of(const std::string& run_id) {
  auto q = db_->prepare(
      "SELECT event_id, run_id, coalesce(step_key, ''), ts, level, kind, message, payload_json FROM events "
      "WHERE run_id = ? ORDER BY event_id");
  q.bind(1, run_id);
  std::vector<EventRecord> out;
  while (q.step()) {
    out.push_back(EventRecord{q.get_int(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_text(4),
                              q.get_text(5), q.get_text(6), q.get_text(7)});
  }
  return out;
}

std::vector<MaterializationRecord> RunStore::materializations_of(const std::string& asset_key, int limit) {
  auto q = db_->prepare(
      "SELECT asset_key, run_id, step_key, ts, partition_key, rows, bytes, duration_ms, snapshot_id, "
      "metadata_json "
      "FROM asset_materializations WHERE asset_key = ? ORDER BY id DESC LIMIT ?");
  q.bind(1, asset_key).bind(2, std::int64_t{limit});
  std::vector<MaterializationRecord> out;
  while (q.step()) {
    out.push_back(MaterializationRecord{q.get_text(0), q.get_text(1), q.get_text(2), q.get_text(3),
                                        q.get_text(4), q.get_optional_int(5), q.get_optional_int(6),
                                        q.get_optional_double(7), q.get_optional_int(8), q.get_text(9)});
  }
  return out;
}

std::vector<CheckRecord> RunStore::checks_of_run(const std::string& run_id) {
  auto q = db_->prepare(
      "SELECT asset_key, check_name, run_id, step_key, ts, status, severity, failures, message FROM "
      "asset_checks "
      "WHERE run_id = ? ORDER BY id");
  q.bind(1, run_id);
  std::vector<CheckRecord> out;
  while (q.step()) {
    out.push_back(CheckRecord{q.get_text(0), q.get_text(1), q.get_text(2), q.get_text(3), q.get_text(4),
                              q.get_text(5), q.get_text(6), q.get_optional_int(7), q.get_text(8)});
  }
  return out;
}

}  // namespace pond::orchestrate
