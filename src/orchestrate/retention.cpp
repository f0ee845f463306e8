#include "orchestrate/retention.hpp"

#include <ostream>

#include "common/time.hpp"

namespace pond::orchestrate {

int prune_state(Workspace& ws, bool dry_run, std::chrono::system_clock::time_point now, std::ostream& out) {
  const RetentionConfig& policy = ws.config().retention;
  if (!policy.runs && !policy.events) {
    out << "pond.yml sets no retention: nothing to prune (e.g. retention: {events: 30d, runs: 365d})\n";
    return 0;
  }
  std::optional<std::string> runs_before, events_before;
  if (policy.runs) runs_before = iso_utc(now - *policy.runs);
  if (policy.events) events_before = iso_utc(now - *policy.events);
  runstore::PruneResult r = ws.store().prune(runs_before, events_before, dry_run);
  const char* verb = dry_run ? "Would prune " : "Pruned ";
  if (runs_before) {
    out << verb << r.runs << " run(s) finished before " << *runs_before
        << " (with their steps, events, materializations and checks)";
    if (r.kept_runs) out << "; kept " << r.kept_runs << " older run(s) holding the latest outcome of an asset";
    out << "\n";
  }
  if (events_before) out << verb << r.events << " event(s) before " << *events_before << "\n";
  return 0;
}

}  // namespace pond::orchestrate
