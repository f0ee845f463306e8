#include "runstore/run_store.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/time.hpp"
#include "runstore/process_internal.hpp"

namespace pond::runstore {

using state::Row;
using state::Value;

RunStore::RunStore(std::unique_ptr<state::Database> db) : db_(std::move(db)) {}
RunStore::RunStore(RunStore&&) noexcept = default;
RunStore& RunStore::operator=(RunStore&&) noexcept = default;
RunStore::~RunStore() = default;

RunStore RunStore::open(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  state::SqliteOptions options;
  options.foreign_keys = true;
  auto db = state::open_sqlite(path.string(), options);
  apply_migrations(*db, run_store_migrations());
  return RunStore(std::move(db));
}

RunStore RunStore::open_spec(const std::string& spec, const std::filesystem::path& base_dir) {
  auto starts = [&](std::string_view p) { return spec.rfind(p, 0) == 0; };
  if (starts("postgres:") || starts("postgresql:")) {
    std::string conninfo =
        starts("postgres://") || starts("postgresql://") ? spec : spec.substr(spec.find(':') + 1);
    auto db = state::open_postgres(conninfo);
    apply_migrations(*db, run_store_migrations());
    return RunStore(std::move(db));
  }
  std::filesystem::path p = starts("sqlite:") ? spec.substr(7) : spec;
  if (p.is_relative()) p = base_dir / p;
  return open(p);
}

int RunStore::schema_version() {
  return static_cast<int>(
      state::to_int(db_->query("SELECT coalesce(max(version), 0) FROM schema_version")[0][0]));
}

namespace {

Value opt(const std::string& s) {
  if (s.empty()) return std::monostate{};
  return s;
}
template <typename T>
Value opt(const std::optional<T>& v) {
  if (!v) return std::monostate{};
  return *v;
}

std::string text(const std::optional<std::string>& s) {
  return s.value_or("");
}

constexpr const char* kRunColumns =
    "run_id, command, selection, args_json, status, started_at, coalesce(finished_at, ''), target, "
    "\"trigger\", "
    "coalesce(parent_run_id, ''), summary_json, pid, coalesce(host, ''), coalesce(heartbeat_at, ''), "
    "priority, "
    "coalesce(queued_at, '')";

}  // namespace

RunRecord read_run(const Row& r) {
  return RunRecord{text(r[0]),  text(r[1]),  text(r[2]),
                   text(r[3]),  text(r[4]),  text(r[5]),
                   text(r[6]),  text(r[7]),  text(r[8]),
                   text(r[9]),  text(r[10]), state::to_opt_int(r[11]),
                   text(r[12]), text(r[13]), static_cast<int>(state::to_int(r[14])),
                   text(r[15])};
}

const char* run_columns() {
  return kRunColumns;
}

std::string this_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// Whether a process of this host is alive (EPERM: alive, owned by someone else).
bool process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

void RunStore::transaction(const std::function<void()>& body) {
  state::Transaction tx(*db_, true);
  body();
  tx.commit();
}

void RunStore::start_run(const RunRecord& r) {
  db_->execute(
      "INSERT INTO runs (run_id, command, selection, args_json, status, started_at, target, \"trigger\", "
      "parent_run_id, pid, host, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      // A queued run this process claimed is there already: it starts now.
      "ON CONFLICT (run_id) DO UPDATE SET command = excluded.command, selection = excluded.selection, "
      "args_json = excluded.args_json, status = excluded.status, started_at = excluded.started_at, "
      "target = excluded.target, \"trigger\" = excluded.\"trigger\", parent_run_id = excluded.parent_run_id, "
      "pid = excluded.pid, host = excluded.host, heartbeat_at = excluded.heartbeat_at",
      {r.run_id, r.command, r.selection, r.args_json, r.status.empty() ? std::string("running") : r.status,
       r.started_at, r.target, r.trigger, opt(r.parent_run_id), std::int64_t{::getpid()}, this_host(),
       iso_utc_now()});
}

void RunStore::plan_steps(const std::string& run_id, const std::vector<StepRecord>& steps) {
  for (const auto& s : steps)
    db_->execute(
        "INSERT INTO steps (run_id, step_key, resource_type, status, relation, step_index) VALUES (?, ?, ?, "
        "'pending', ?, 0) ON CONFLICT (run_id, step_key) DO NOTHING",
        {run_id, s.step_key, s.resource_type, s.relation});
}

void RunStore::heartbeat(const std::string& run_id) {
  db_->execute("UPDATE runs SET heartbeat_at = ? WHERE run_id = ? AND status IN ('running', 'queued')",
               {iso_utc_now(), run_id});
}

std::vector<std::string> RunStore::mark_crashed_runs(std::chrono::seconds stale) {
  std::vector<std::string> marked;
  const std::string host = this_host();
  const std::string cutoff = iso_utc(std::chrono::system_clock::now() - stale);
  for (const auto& r : db_->query("SELECT run_id, pid, coalesce(host, ''), coalesce(heartbeat_at, "
                                  "started_at), status FROM runs WHERE status = 'running' OR "
                                  "(status = 'queued' AND pid IS NOT NULL)")) {
    std::optional<std::int64_t> pid = state::to_opt_int(r[1]);
    std::string seen = text(r[3]);
    bool gone = (text(r[2]) == host && pid && !process_alive(*pid)) || seen < cutoff;
    if (!gone) continue;
    // Only if unchanged: another process may have marked, claimed or finished it meanwhile.
    db_->execute("UPDATE runs SET status = 'crashed', finished_at = ? WHERE run_id = ? AND status = ?",
                 {seen, text(r[0]), text(r[4])});
    marked.push_back(text(r[0]));
  }
  return marked;
}

void RunStore::finish_run(const std::string& run_id, const std::string& status,
                          const std::string& finished_at, const std::string& summary_json) {
  db_->execute("UPDATE runs SET status = ?, finished_at = ?, summary_json = ? WHERE run_id = ?",
               {status, finished_at, summary_json.empty() ? std::string("{}") : summary_json, run_id});
}

void RunStore::record_step(const StepRecord& s) {
  db_->execute(
      "INSERT INTO steps (run_id, step_key, resource_type, status, started_at, finished_at, duration_ms, "
      "rows_affected, failures, message, thread, relation, step_index, lake_snapshot) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (run_id, step_key) DO UPDATE SET resource_type = excluded.resource_type, status = "
      "excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at, duration_ms = "
      "excluded.duration_ms, rows_affected = excluded.rows_affected, failures = excluded.failures, message = "
      "excluded.message, thread = excluded.thread, relation = excluded.relation, step_index = "
      "excluded.step_index, lake_snapshot = excluded.lake_snapshot",
      {s.run_id, s.step_key, s.resource_type, s.status, opt(s.started_at), opt(s.finished_at),
       opt(s.duration_ms), opt(s.rows_affected), opt(s.failures), s.message, s.thread, s.relation,
       std::int64_t{s.step_index}, opt(s.lake_snapshot)});
}

std::int64_t RunStore::record_event(const EventRecord& e) {
  auto rows = db_->query(
      "INSERT INTO events (run_id, step_key, ts, level, kind, message, payload_json) VALUES (?, ?, ?, ?, ?, "
      "?, "
      "?) RETURNING event_id",
      {e.run_id, opt(e.step_key), e.ts, e.level, e.kind, e.message,
       e.payload_json.empty() ? std::string("{}") : e.payload_json});
  return rows.empty() ? 0 : state::to_int(rows[0][0]);
}

void RunStore::record_materialization(const MaterializationRecord& m) {
  db_->execute(
      "INSERT INTO asset_materializations (asset_key, run_id, step_key, ts, partition_key, rows, bytes, "
      "duration_ms, snapshot_id, metadata_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {m.asset_key, m.run_id, m.step_key, m.ts, m.partition_key, opt(m.rows), opt(m.bytes),
       opt(m.duration_ms), opt(m.snapshot_id),
       m.metadata_json.empty() ? std::string("{}") : m.metadata_json});
}

void RunStore::record_check(const CheckRecord& c) {
  db_->execute(
      "INSERT INTO asset_checks (asset_key, check_name, run_id, step_key, ts, status, severity, failures, "
      "message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {c.asset_key, c.check_name, c.run_id, c.step_key, c.ts, c.status,
       c.severity.empty() ? std::string("error") : c.severity, opt(c.failures), c.message});
}

std::vector<RunRecord> RunStore::recent_runs(int limit) {
  std::vector<RunRecord> out;
  for (const auto& r : db_->query(
           std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?",
           {std::int64_t{limit}}))
    out.push_back(read_run(r));
  return out;
}

std::optional<RunRecord> RunStore::find_run(const std::string& id_or_prefix) {
  std::vector<RunRecord> found;
  for (const auto& r :
       db_->query(std::string("SELECT ") + kRunColumns +
                      " FROM runs WHERE run_id = ? OR substr(run_id, 1, ?) = ? LIMIT 2",
                  {id_or_prefix, static_cast<std::int64_t>(id_or_prefix.size()), id_or_prefix}))
    found.push_back(read_run(r));
  if (found.empty()) return std::nullopt;
  for (const auto& r : found)
    if (r.run_id == id_or_prefix) return r;
  if (found.size() > 1)
    throw UserError("run id prefix '" + id_or_prefix + "' matches several runs", "give more of the run id");
  return found.front();
}

std::vector<StepRecord> RunStore::steps_of(const std::string& run_id) {
  std::vector<StepRecord> out;
  for (const auto& r : db_->query(
           "SELECT run_id, step_key, resource_type, status, coalesce(started_at, ''), coalesce(finished_at, "
           "''), "
           "duration_ms, rows_affected, failures, message, thread, relation, step_index, lake_snapshot FROM "
           "steps WHERE run_id = ? ORDER BY step_index, step_key",
           {run_id})) {
    out.push_back(StepRecord{text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]),
                             state::to_opt_double(r[6]), state::to_opt_int(r[7]), state::to_opt_int(r[8]),
                             text(r[9]), text(r[10]), text(r[11]), static_cast<int>(state::to_int(r[12])),
                             state::to_opt_int(r[13])});
  }
  return out;
}

std::optional<RunRecord> RunStore::last_run(const std::vector<std::string>& commands) {
  std::string where;
  std::vector<Value> params;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    where += (i ? ", ?" : "?");
    params.emplace_back(commands[i]);
  }
  auto rows = db_->query(std::string("SELECT ") + kRunColumns + " FROM runs" +
                             (commands.empty() ? "" : " WHERE command IN (" + where + ")") +
                             " ORDER BY started_at DESC, run_id DESC LIMIT 1",
                         params);
  if (rows.empty()) return std::nullopt;
  return read_run(rows[0]);
}

std::vector<StepRecord> RunStore::steps_to_retry(const std::string& run_id) {
  std::vector<StepRecord> out;
  for (auto& s : steps_of(run_id)) {
    if (s.status == "error" || s.status == "fail" || s.status == "skipped" || s.status == "partial success" ||
        s.status == "running" || s.status == "pending")
      out.push_back(std::move(s));
  }
  return out;
}

namespace {
constexpr const char* kEventColumns =
    "SELECT event_id, run_id, coalesce(step_key, ''), ts, level, kind, message, payload_json FROM events ";

std::vector<EventRecord> read_events(const std::vector<state::Row>& rows) {
  std::vector<EventRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back(EventRecord{state::to_int(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]),
                              text(r[6]), text(r[7])});
  return out;
}
}  // namespace

std::vector<EventRecord> RunStore::events_of(const std::string& run_id) {
  return read_events(db_->query(std::string(kEventColumns) + "WHERE run_id = ? ORDER BY event_id", {run_id}));
}

std::vector<EventRecord> RunStore::events_since(std::int64_t after_event_id, int limit) {
  return read_events(db_->query(std::string(kEventColumns) + "WHERE event_id > ? ORDER BY event_id LIMIT ?",
                                {after_event_id, std::int64_t{limit}}));
}

std::int64_t RunStore::last_event_id() {
  auto rows = db_->query("SELECT coalesce(max(event_id), 0) FROM events");
  return rows.empty() ? 0 : state::to_int(rows.front()[0]);
}

std::vector<MaterializationRecord> RunStore::materializations_of(const std::string& asset_key, int limit) {
  std::vector<MaterializationRecord> out;
  for (const auto& r : db_->query(
           "SELECT asset_key, run_id, step_key, ts, partition_key, rows, bytes, duration_ms, snapshot_id, "
           "metadata_json FROM asset_materializations WHERE asset_key = ? ORDER BY id DESC LIMIT ?",
           {asset_key, std::int64_t{limit}}))
    out.push_back(MaterializationRecord{text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]),
                                        state::to_opt_int(r[5]), state::to_opt_int(r[6]),
                                        state::to_opt_double(r[7]), state::to_opt_int(r[8]), text(r[9])});
  return out;
}

std::vector<CheckRecord> RunStore::checks_of_run(const std::string& run_id) {
  std::vector<CheckRecord> out;
  for (const auto& r : db_->query(
           "SELECT asset_key, check_name, run_id, step_key, ts, status, severity, failures, message FROM "
           "asset_checks WHERE run_id = ? ORDER BY id",
           {run_id}))
    out.push_back(CheckRecord{text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]),
                              text(r[6]), state::to_opt_int(r[7]), text(r[8])});
  return out;
}

std::vector<CheckRecord> RunStore::checks_of(const std::string& asset_key, int limit) {
  std::vector<CheckRecord> out;
  for (const auto& r : db_->query(
           "SELECT asset_key, check_name, run_id, step_key, ts, status, severity, failures, message FROM "
           "asset_checks WHERE asset_key = ? ORDER BY id DESC LIMIT ?",
           {asset_key, static_cast<std::int64_t>(limit)}))
    out.push_back(CheckRecord{text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]),
                              text(r[6]), state::to_opt_int(r[7]), text(r[8])});
  return out;
}

std::vector<MaterializationRecord> RunStore::latest_materializations() {
  std::vector<MaterializationRecord> out;
  for (const auto& r : db_->query(
           "SELECT m.asset_key, m.run_id, m.step_key, m.ts, m.partition_key, m.rows, m.bytes, m.duration_ms, "
           "m.snapshot_id, m.metadata_json FROM asset_materializations m JOIN (SELECT asset_key, max(id) AS "
           "id FROM "
           "asset_materializations WHERE partition_key = '' GROUP BY asset_key) l ON l.id = m.id"))
    out.push_back(MaterializationRecord{text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]),
                                        state::to_opt_int(r[5]), state::to_opt_int(r[6]),
                                        state::to_opt_double(r[7]), state::to_opt_int(r[8]), text(r[9])});
  return out;
}

std::vector<CheckRecord> RunStore::latest_checks() {
  std::vector<CheckRecord> out;
  for (const auto& r : db_->query(
           "SELECT c.asset_key, c.check_name, c.run_id, c.step_key, c.ts, c.status, c.severity, c.failures, "
           "c.message FROM asset_checks c JOIN (SELECT asset_key, check_name, max(id) AS id FROM "
           "asset_checks "
           "GROUP BY asset_key, check_name) l ON l.id = c.id ORDER BY c.asset_key, c.check_name"))
    out.push_back(CheckRecord{text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]),
                              text(r[6]), state::to_opt_int(r[7]), text(r[8])});
  return out;
}

}  // namespace pond::runstore
