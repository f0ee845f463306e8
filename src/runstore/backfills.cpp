// The run store's backfill tables (a backfill and its planned runs) and cancel requests of runs.
#include <unistd.h>

#include "common/error.hpp"
#include "common/time.hpp"
#include "runstore/process_internal.hpp"
#include "runstore/run_store.hpp"

namespace pond::runstore {

namespace {

std::string text(const std::optional<std::string>& s) {
  return s.value_or("");
}

constexpr const char* kBackfillColumns =
    "backfill_id, selection, partitions, range_from, range_to, mode, policy, status, args_json, created_at, "
    "finished_at, pid, host, cancel_requested";

BackfillRecord read_backfill(const state::Row& r) {
  BackfillRecord b;
  b.backfill_id = text(r[0]);
  b.selection = text(r[1]);
  b.partitions = text(r[2]);
  b.range_from = text(r[3]);
  b.range_to = text(r[4]);
  b.mode = text(r[5]);
  b.policy = text(r[6]);
  b.status = text(r[7]);
  b.args_json = text(r[8]);
  b.created_at = text(r[9]);
  b.finished_at = text(r[10]);
  b.pid = state::to_opt_int(r[11]);
  b.host = text(r[12]);
  b.cancel_requested = state::to_int(r[13]) != 0;
  return b;
}

}  // namespace

void RunStore::create_backfill(const BackfillRecord& b, const std::vector<BackfillRunRecord>& runs) {
  transaction([&] {
    db_->execute(
        std::string("INSERT INTO backfills (") + kBackfillColumns +
            ") VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, '', ?, ?, 0)",
        {b.backfill_id, b.selection, b.partitions, b.range_from, b.range_to, b.mode, b.policy, b.args_json,
         b.created_at.empty() ? iso_utc_now() : b.created_at, std::int64_t{::getpid()}, this_host()});
    for (const auto& r : runs)
      db_->execute(
          "INSERT INTO backfill_runs (backfill_id, seq, list_key, range_start, range_end, partitions, "
          "assets_json, status, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {b.backfill_id, std::int64_t{r.seq}, r.list_key, r.range_start, r.range_end, r.partitions,
           r.assets_json, r.status, r.run_id});
  });
}

std::optional<BackfillRecord> RunStore::find_backfill(const std::string& id_or_prefix) {
  std::vector<BackfillRecord> found;
  for (const auto& r :
       db_->query(std::string("SELECT ") + kBackfillColumns +
                      " FROM backfills WHERE backfill_id = ? OR substr(backfill_id, 1, ?) = ? LIMIT 2",
                  {id_or_prefix, static_cast<std::int64_t>(id_or_prefix.size()), id_or_prefix}))
    found.push_back(read_backfill(r));
  if (found.empty()) return std::nullopt;
  for (const auto& b : found)
    if (b.backfill_id == id_or_prefix) return b;
  if (found.size() > 1)
    throw UserError("backfill id prefix '" + id_or_prefix + "' matches several backfills",
                    "give more of the backfill id (pond backfills lists them)");
  return found.front();
}

std::vector<BackfillRecord> RunStore::recent_backfills(int limit) {
  std::vector<BackfillRecord> out;
  for (const auto& r : db_->query(std::string("SELECT ") + kBackfillColumns +
                                      " FROM backfills ORDER BY created_at DESC, backfill_id LIMIT ?",
                                  {std::int64_t{limit}}))
    out.push_back(read_backfill(r));
  return out;
}

std::vector<BackfillRunRecord> RunStore::backfill_runs(const std::string& backfill_id) {
  std::vector<BackfillRunRecord> out;
  for (const auto& r : db_->query("SELECT backfill_id, seq, list_key, range_start, range_end, partitions, "
                                  "assets_json, status, run_id "
                                  "FROM backfill_runs WHERE backfill_id = ? ORDER BY seq",
                                  {backfill_id}))
    out.push_back(BackfillRunRecord{text(r[0]), static_cast<int>(state::to_int(r[1])), text(r[2]),
                                    state::to_int(r[3]), state::to_int(r[4]), state::to_int(r[5]), text(r[6]),
                                    text(r[7]), text(r[8])});
  return out;
}

void RunStore::set_backfill_run(const std::string& backfill_id, int seq, const std::string& status,
                                const std::string& run_id) {
  db_->execute("UPDATE backfill_runs SET status = ?, run_id = ? WHERE backfill_id = ? AND seq = ?",
               {status, run_id, backfill_id, std::int64_t{seq}});
}

void RunStore::claim_backfill(const std::string& backfill_id) {
  db_->execute(
      "UPDATE backfills SET status = 'running', finished_at = '', pid = ?, host = ?, cancel_requested = 0 "
      "WHERE backfill_id = ?",
      {std::int64_t{::getpid()}, this_host(), backfill_id});
}

void RunStore::finish_backfill(const std::string& backfill_id, const std::string& status) {
  db_->execute("UPDATE backfills SET status = ?, finished_at = ? WHERE backfill_id = ?",
               {status, iso_utc_now(), backfill_id});
}

void RunStore::request_backfill_cancel(const std::string& backfill_id) {
  db_->execute("UPDATE backfills SET cancel_requested = 1 WHERE backfill_id = ?", {backfill_id});
}

bool RunStore::backfill_process_alive(const BackfillRecord& b) {
  if (b.status != "running" || !b.pid) return false;
  if (b.host != this_host()) return true;
  return *b.pid != ::getpid() && process_alive(*b.pid);
}

void RunStore::request_run_cancel(const std::string& run_id) {
  db_->execute("UPDATE runs SET cancel_requested_at = ? WHERE run_id = ? AND status = 'running'",
               {iso_utc_now(), run_id});
}

bool RunStore::run_cancel_requested(const std::string& run_id) {
  auto rows = db_->query("SELECT 1 FROM runs WHERE run_id = ? AND cancel_requested_at IS NOT NULL", {run_id});
  return !rows.empty();
}

}  // namespace pond::runstore
