#include "orchestrate/cancel_run.hpp"

#include <optional>

#include "common/error.hpp"

namespace pond::orchestrate {

CancelResult cancel_run(runstore::RunStore& store, const std::string& id_or_prefix) {
  std::optional<runstore::RunRecord> run = store.find_run(id_or_prefix);
  if (!run) throw UserError("no run '" + id_or_prefix + "'", "list the recent runs with: pond runs");
  if (run->status == "queued" && store.cancel_queued_run(run->run_id))
    return {run->run_id, "queued", CancelOutcome::kCancelledQueued};
  if (run->status == "queued") run = store.find_run(run->run_id);  // claimed meanwhile
  if (run->status != "running") return {run->run_id, run->status, CancelOutcome::kNotRunning};
  store.request_run_cancel(run->run_id);
  return {run->run_id, run->status, CancelOutcome::kRequested};
}

}  // namespace pond::orchestrate
