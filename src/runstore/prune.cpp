// Retention: old runs and events leave the run store, but never a run in progress and never a
// run whose outcome is still the latest of an asset, a partition or a check (status reads those).
#include "runstore/run_store.hpp"

namespace pond::runstore {

namespace {

// Runs finished before `before` that no latest outcome points to.
constexpr const char* kPrunableRuns = R"sql(
SELECT run_id FROM runs
WHERE status NOT IN ('queued', 'running') AND coalesce(nullif(finished_at, ''), started_at) < ?
  AND run_id NOT IN (SELECT run_id FROM asset_partitions)
  AND run_id NOT IN (SELECT m.run_id FROM asset_materializations m JOIN (SELECT asset_key, partition_key,
      max(id) AS id FROM asset_materializations GROUP BY asset_key, partition_key) l ON l.id = m.id)
  AND run_id NOT IN (SELECT c.run_id FROM asset_checks c JOIN (SELECT asset_key, check_name, max(id) AS id
      FROM asset_checks GROUP BY asset_key, check_name) l ON l.id = c.id)
ORDER BY run_id)sql";

constexpr const char* kOldFinishedRuns =
    "SELECT count(*) FROM runs WHERE status NOT IN ('queued', 'running') AND coalesce(nullif(finished_at, "
    "''), "
    "started_at) < ?";

constexpr const char* kOldEvents =
    "FROM events WHERE ts < ? AND run_id IN (SELECT run_id FROM runs WHERE status NOT IN ('queued', "
    "'running'))";

}  // namespace

PruneResult RunStore::prune(const std::optional<std::string>& runs_before,
                            const std::optional<std::string>& events_before, bool dry_run) {
  PruneResult result;
  state::Transaction tx(*db_, !dry_run);
  std::vector<std::string> ids;
  if (runs_before) {
    for (const auto& r : db_->query(kPrunableRuns, {*runs_before})) ids.push_back(r[0].value_or(""));
    result.runs = static_cast<std::int64_t>(ids.size());
    result.kept_runs = state::to_int(db_->query(kOldFinishedRuns, {*runs_before})[0][0]) - result.runs;
  }
  if (events_before)
    result.events =
        state::to_int(db_->query(std::string("SELECT count(*) ") + kOldEvents, {*events_before})[0][0]);
  if (dry_run) return result;
  if (events_before) db_->execute(std::string("DELETE ") + kOldEvents, {*events_before});
  // The rows of each run, then the run (not only through ON DELETE CASCADE: a SQLite connection
  // without foreign keys on would leave them).
  constexpr std::size_t kChunk = 400;
  for (std::size_t at = 0; at < ids.size(); at += kChunk) {
    std::string in;
    std::vector<state::Value> params;
    for (std::size_t i = at; i < ids.size() && i < at + kChunk; ++i) {
      in += params.empty() ? "?" : ", ?";
      params.emplace_back(ids[i]);
    }
    for (const char* table :
         {"events", "steps", "asset_materializations", "asset_checks", "run_targets", "run_tags", "runs"})
      db_->execute(std::string("DELETE FROM ") + table + " WHERE run_id IN (" + in + ")", params);
  }
  tx.commit();
  return result;
}

}  // namespace pond::runstore
