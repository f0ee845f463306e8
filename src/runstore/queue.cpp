// The run queue: runs recorded as `queued`, claimed in priority and FIFO order under the global
// and per-tag limits, by exactly one process each; and pool slots, which cap steps across runs.
#include <unistd.h>

#include "common/time.hpp"
#include "runstore/process_internal.hpp"
#include "runstore/run_store.hpp"

namespace pond::runstore {

namespace {

using Tags = std::map<std::string, std::string>;

// run id -> tags, of the runs with the given status.
std::map<std::string, Tags> tags_by_run(state::Database& db, const char* status) {
  std::map<std::string, Tags> out;
  for (const auto& r : db.query("SELECT r.run_id, t.tag_key, t.tag_value FROM runs r JOIN run_tags t ON "
                                "t.run_id = r.run_id WHERE r.status = ?",
                                {std::string(status)}))
    out[r[0].value_or("")][r[1].value_or("")] = r[2].value_or("");
  return out;
}

bool counts_for(const QueueTagLimit& l, const Tags& tags) {
  auto it = tags.find(l.key);
  return it != tags.end() && (!l.value || it->second == *l.value);
}

// Whether a run with `tags` may start next to `active` (the tags of each run running or
// admitted before it).
bool fits(const QueueLimits& limits, const Tags& tags, const std::vector<Tags>& active) {
  for (const auto& l : limits.tag_limits) {
    if (!counts_for(l, tags)) continue;
    int n = 0;
    for (const auto& a : active) n += counts_for(l, a) ? 1 : 0;
    if (n >= l.limit) return false;
  }
  return true;
}

}  // namespace

void RunStore::enqueue_run(const RunRecord& r, const std::map<std::string, std::string>& tags,
                           bool detached) {
  transaction([&] { insert_queued_run(r, tags, detached); });
}

void RunStore::insert_queued_run(const RunRecord& r, const std::map<std::string, std::string>& tags,
                                 bool detached) {
  const std::string now = iso_utc_now();
  db_->execute(
      "INSERT INTO runs (run_id, command, selection, args_json, status, started_at, target, \"trigger\", "
      "parent_run_id, pid, host, heartbeat_at, priority, queued_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, "
      "?, ?, ?, ?, ?, ?)",
      {r.run_id, r.command, r.selection, r.args_json, now, r.target, r.trigger,
       r.parent_run_id.empty() ? state::Value{} : state::Value{r.parent_run_id},
       detached ? state::Value{} : state::Value{std::int64_t{::getpid()}}, this_host(), now,
       std::int64_t{r.priority}, now});
  set_run_tags(r.run_id, tags);
}

std::optional<RunRecord> RunStore::claim_queued_run(const QueueLimits& limits,
                                                    const std::function<bool(const RunRecord&)>& may_take) {
  const bool postgres = db_->kind() == state::Kind::kPostgres;
  std::optional<RunRecord> claimed;
  transaction([&] {
    // Limits count the runs other claimers start: claimers take turns (SQLite's immediate
    // transaction does this by itself).
    if (postgres) db_->query("SELECT pg_advisory_xact_lock(7283501)");
    std::vector<Tags> active;
    std::map<std::string, Tags> running = tags_by_run(*db_, "running");
    for (const auto& r : db_->query("SELECT run_id FROM runs WHERE status = 'running'"))
      active.push_back(running[r[0].value_or("")]);
    std::map<std::string, Tags> queued_tags = tags_by_run(*db_, "queued");
    auto queued = db_->query(std::string("SELECT ") + run_columns() +
                             " FROM runs WHERE status = 'queued' ORDER BY priority DESC, queued_at, run_id" +
                             (postgres ? " FOR UPDATE SKIP LOCKED" : ""));
    for (const auto& row : queued) {
      if (limits.max_concurrent_runs && static_cast<int>(active.size()) >= *limits.max_concurrent_runs) break;
      RunRecord run = read_run(row);
      const Tags& tags = queued_tags[run.run_id];
      if (!fits(limits, tags, active)) continue;
      if (may_take(run)) {
        auto taken = db_->query(
            "UPDATE runs SET status = 'running', started_at = ?, pid = ?, host = ?, heartbeat_at = ? WHERE "
            "run_id = ? AND status = 'queued' RETURNING run_id",
            {iso_utc_now(), std::int64_t{::getpid()}, this_host(), iso_utc_now(), run.run_id});
        if (taken.empty()) continue;
        run.status = "running";
        claimed = std::move(run);
        return;
      }
      active.push_back(tags);  // admitted: its owner takes it on its next look
    }
  });
  return claimed;
}

std::vector<QueuedRun> RunStore::queued_runs() {
  std::vector<QueuedRun> out;
  std::map<std::string, Tags> tags = tags_by_run(*db_, "queued");
  for (const auto& row :
       db_->query(std::string("SELECT ") + run_columns() +
                  " FROM runs WHERE status = 'queued' ORDER BY priority DESC, queued_at, run_id")) {
    RunRecord run = read_run(row);
    Tags t = tags[run.run_id];
    out.push_back({std::move(run), std::move(t)});
  }
  return out;
}

bool RunStore::claim_pool_slot(const std::string& pool, int limit, const std::string& run_id,
                               const std::string& step_key) {
  bool claimed = false;
  transaction([&] {
    if (db_->kind() == state::Kind::kPostgres) db_->query("SELECT pg_advisory_xact_lock(7283502)");
    db_->execute(
        "DELETE FROM pool_slots WHERE pool = ? AND run_id NOT IN (SELECT run_id FROM runs WHERE status = "
        "'running')",
        {pool});
    auto held = state::to_int(db_->query("SELECT count(*) FROM pool_slots WHERE pool = ?", {pool})[0][0]);
    if (held >= limit) return;
    db_->execute(
        "INSERT INTO pool_slots (pool, run_id, step_key, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT "
        "(run_id, "
        "step_key) DO NOTHING",
        {pool, run_id, step_key, iso_utc_now()});
    claimed = true;
  });
  return claimed;
}

void RunStore::release_pool_slot(const std::string& run_id, const std::string& step_key) {
  db_->execute("DELETE FROM pool_slots WHERE run_id = ? AND step_key = ?", {run_id, step_key});
}

bool RunStore::cancel_queued_run(const std::string& run_id) {
  return !db_->query(
                 "UPDATE runs SET status = 'cancelled', finished_at = ? WHERE run_id = ? AND status = "
                 "'queued' RETURNING run_id",
                 {iso_utc_now(), run_id})
              .empty();
}

}  // namespace pond::runstore
