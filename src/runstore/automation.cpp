// The run store's automation tables: ticks of schedules and sensors (each recorded once, with the
// runs it queued, in one transaction), their on/off state and cursors, the daemon lease and the
// files a file sensor has seen.
#include <unistd.h>

#include "common/time.hpp"
#include "runstore/process_internal.hpp"
#include "runstore/run_store.hpp"

namespace pond::runstore {

namespace {

constexpr const char* kLease = "daemon";

std::string text(const std::optional<std::string>& s) {
  return s.value_or("");
}

std::string join_ids(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : " ") + id;
  return s;
}

std::vector<std::string> split_ids(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    std::size_t end = s.find(' ', at);
    if (end == std::string::npos) end = s.size();
    if (end > at) out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

void upsert_cursor(state::Database& db, const std::string& source, const std::string& cursor) {
  db.execute(
      "INSERT INTO automation_state (source, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT (source) DO "
      "UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
      {source, cursor, iso_utc_now()});
}

}  // namespace

bool RunStore::record_tick(const TickRecord& tick, const std::vector<QueuedRun>& runs,
                           const std::optional<std::string>& cursor, const std::vector<SensorFile>& seen) {
  bool recorded = false;
  transaction([&] {
    std::vector<std::string> ids;
    for (const auto& q : runs) ids.push_back(q.run.run_id);
    auto inserted = db_->query(
        "INSERT INTO automation_ticks (source, tick_at, status, run_ids, reason, recorded_at) VALUES (?, ?, "
        "?, "
        "?, ?, ?) ON CONFLICT (source, tick_at) DO NOTHING RETURNING tick_at",
        {tick.source, tick.tick_at, tick.status, join_ids(ids), tick.reason, iso_utc_now()});
    if (inserted.empty()) return;
    for (const auto& q : runs) insert_queued_run(q.run, q.tags, true);
    const std::string run_id = ids.empty() ? "" : ids.front();
    for (const auto& f : seen)
      db_->execute(
          "INSERT INTO sensor_files (sensor, path, mtime_ns, size, etag, run_id, seen_at) VALUES (?, ?, ?, "
          "?, "
          "?, ?, ?) "
          "ON CONFLICT (sensor, path) DO UPDATE SET mtime_ns = excluded.mtime_ns, size = excluded.size, "
          "etag = excluded.etag, run_id = excluded.run_id, seen_at = excluded.seen_at",
          {tick.source, f.path, f.mtime_ns, f.size, f.etag, run_id, iso_utc_now()});
    if (cursor) upsert_cursor(*db_, tick.source, *cursor);
    recorded = true;
  });
  return recorded;
}

bool RunStore::record_automation_tick(const TickRecord& tick, const std::vector<QueuedRun>& runs,
                                      const std::vector<AutomationEvaluation>& evaluations,
                                      const std::map<std::string, std::string>& cursors) {
  bool recorded = false;
  transaction([&] {
    std::vector<std::string> ids;
    for (const auto& q : runs) ids.push_back(q.run.run_id);
    const std::string now = iso_utc_now();
    auto inserted = db_->query(
        "INSERT INTO automation_ticks (source, tick_at, status, run_ids, reason, recorded_at) VALUES (?, ?, "
        "?, ?, ?, ?) ON CONFLICT (source, tick_at) DO NOTHING RETURNING tick_at",
        {tick.source, tick.tick_at, tick.status, join_ids(ids), tick.reason, now});
    if (inserted.empty()) return;
    for (const auto& q : runs) insert_queued_run(q.run, q.tags, true);
    for (const auto& e : evaluations)
      db_->execute(
          "INSERT INTO automation_evaluations (asset_key, tick_at, requested, fired_by, partitions, run_ids, "
          "reason, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {e.asset_key, e.tick_at, std::int64_t{e.requested ? 1 : 0}, e.condition, e.partitions,
           join_ids(e.run_ids), e.reason, now});
    for (const auto& [source, cursor] : cursors) upsert_cursor(*db_, source, cursor);
    recorded = true;
  });
  return recorded;
}

namespace {

AutomationEvaluation evaluation_of(const state::Row& r) {
  return {text(r[0]), state::to_int(r[1]), state::to_int(r[2]) != 0,
          text(r[3]), text(r[4]),          split_ids(text(r[5])),
          text(r[6]), text(r[7])};
}

constexpr const char* kEvaluationColumns =
    "e.asset_key, e.tick_at, e.requested, e.fired_by, e.partitions, e.run_ids, e.reason, e.recorded_at";

}  // namespace

std::vector<AutomationEvaluation> RunStore::automation_evaluations(const std::string& asset_key, int limit) {
  std::vector<AutomationEvaluation> out;
  for (const auto& r :
       db_->query(std::string("SELECT ") + kEvaluationColumns +
                      " FROM automation_evaluations e WHERE e.asset_key = ? ORDER BY e.tick_at "
                      "DESC LIMIT ?",
                  {asset_key, std::int64_t{limit}}))
    out.push_back(evaluation_of(r));
  return out;
}

std::map<std::string, AutomationEvaluation> RunStore::latest_automation_evaluations() {
  std::map<std::string, AutomationEvaluation> out;
  for (const auto& r :
       db_->query(std::string("SELECT ") + kEvaluationColumns +
                  " FROM automation_evaluations e JOIN (SELECT asset_key, max(tick_at) AS m FROM "
                  "automation_evaluations GROUP BY asset_key) l ON l.asset_key = e.asset_key AND "
                  "l.m = e.tick_at"))
    out.emplace(text(r[0]), evaluation_of(r));
  return out;
}

std::vector<TickRecord> RunStore::recent_ticks(const std::string& source, int limit) {
  std::vector<TickRecord> out;
  for (const auto& r : db_->query("SELECT source, tick_at, status, run_ids, reason, recorded_at FROM "
                                  "automation_ticks WHERE source = ? "
                                  "ORDER BY tick_at DESC LIMIT ?",
                                  {source, std::int64_t{limit}}))
    out.push_back(
        {text(r[0]), state::to_int(r[1]), text(r[2]), split_ids(text(r[3])), text(r[4]), text(r[5])});
  return out;
}

AutomationState RunStore::automation_state(const std::string& source) {
  AutomationState s;
  auto rows = db_->query("SELECT enabled, cursor FROM automation_state WHERE source = ?", {source});
  if (rows.empty()) return s;
  if (auto e = state::to_opt_int(rows[0][0])) s.enabled = *e != 0;
  s.cursor = rows[0][1];
  return s;
}

void RunStore::set_automation_enabled(const std::string& source, bool enabled) {
  db_->execute(
      "INSERT INTO automation_state (source, enabled, cursor, updated_at) VALUES (?, ?, NULL, ?) ON CONFLICT "
      "(source) DO UPDATE SET enabled = excluded.enabled, cursor = NULL, updated_at = excluded.updated_at",
      {source, std::int64_t{enabled ? 1 : 0}, iso_utc_now()});
}

void RunStore::set_automation_cursor(const std::string& source, const std::string& cursor) {
  upsert_cursor(*db_, source, cursor);
}

std::map<std::string, SensorFile> RunStore::sensor_files(const std::string& sensor) {
  std::map<std::string, SensorFile> out;
  for (const auto& r :
       db_->query("SELECT path, mtime_ns, size, etag FROM sensor_files WHERE sensor = ?", {sensor})) {
    SensorFile f{text(r[0]), state::to_int(r[1]), state::to_int(r[2]), text(r[3])};
    out.emplace(f.path, f);
  }
  return out;
}

std::optional<DaemonLease> RunStore::daemon_lease() {
  auto rows =
      db_->query("SELECT token, pid, host, started_at, heartbeat_at FROM daemon_lease WHERE lease = ?",
                 {std::string(kLease)});
  if (rows.empty()) return std::nullopt;
  return DaemonLease{text(rows[0][0]), state::to_opt_int(rows[0][1]), text(rows[0][2]), text(rows[0][3]),
                     text(rows[0][4])};
}

std::optional<DaemonLease> RunStore::acquire_daemon_lease(const std::string& token,
                                                          std::chrono::seconds stale) {
  std::optional<DaemonLease> holder;
  transaction([&] {
    if (auto current = daemon_lease(); current && current->token != token) {
      const std::string cutoff = iso_utc(std::chrono::system_clock::now() - stale);
      bool alive = current->host == this_host() ? current->pid && process_alive(*current->pid)
                                                : current->heartbeat_at >= cutoff;
      if (alive) {
        holder = current;
        return;
      }
    }
    const std::string now = iso_utc_now();
    db_->execute("DELETE FROM daemon_lease WHERE lease = ?", {std::string(kLease)});
    db_->execute(
        "INSERT INTO daemon_lease (lease, token, pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, "
        "?)",
        {std::string(kLease), token, std::int64_t{::getpid()}, this_host(), now, now});
  });
  return holder;
}

bool RunStore::renew_daemon_lease(const std::string& token) {
  return !db_->query("UPDATE daemon_lease SET heartbeat_at = ? WHERE lease = ? AND token = ? RETURNING token",
                     {iso_utc_now(), std::string(kLease), token})
              .empty();
}

void RunStore::release_daemon_lease(const std::string& token) {
  db_->execute("DELETE FROM daemon_lease WHERE lease = ? AND token = ?", {std::string(kLease), token});
}

}  // namespace pond::runstore
