#pragma once
// Backfills in the web UI: the list, one backfill's progress by partition, the dry-run plan and
// launching one, through orchestrate/backfill.hpp as `pond backfill` does (the same planning,
// the same records; the UI runs a recorded backfill on a thread of its own, BackfillRunner).
#include <nlohmann/json.hpp>
#include <string>

#include "orchestrate/backfill.hpp"
#include "orchestrate/workspace.hpp"
#include "runstore/run_store.hpp"

namespace pond::ui {

// Recent backfills, most recent first, with their runs and partitions done.
nlohmann::json backfills_json(runstore::RunStore& store, int limit);

// One backfill (full id or unique prefix): its record, its planned runs with their status, the
// partitions done / failed / in progress / missing, and `progress`: per list key, stretches of
// partitions (time indexes from the first partition of the range) with their state, drawn like
// the partition health bar. 404 for an unknown backfill.
nlohmann::json backfill_json(orchestrate::Workspace& ws, const std::string& id,
                             orchestrate::EpochSeconds now);

// `body`: {"select": "a+" or [...], "exclude": ..., "from": KEY, "to": KEY, "mode": "missing",
// "policy": "per-partition", "reverse": false} as the flags of `pond backfill`, or instead of
// from/to "partition_range": {"list_key", "from": I, "to": J} (time indexes, inclusive: a stretch
// of the partition health bar). 400 when malformed.
orchestrate::BackfillOptions backfill_options(const orchestrate::Workspace& ws, const std::string& body,
                                              orchestrate::EpochSeconds now);

// The plan `pond backfill --dry-run` prints, as JSON (the runs it would start, first 500).
nlohmann::json backfill_plan_json(orchestrate::Workspace& ws, const orchestrate::BackfillOptions& options,
                                  orchestrate::EpochSeconds now);

// Plans and records the backfill (this process runs it); returns its id. 409 when nothing in the
// range needs a run.
std::string record_backfill(orchestrate::Workspace& ws, const orchestrate::BackfillOptions& options,
                            orchestrate::EpochSeconds now);

// `pond backfill resume ID`, the claim: returns the full id to run (BackfillRunner). 404 unknown,
// 409 already succeeded, UserError (400) while another process runs it.
std::string resume_backfill(orchestrate::Workspace& ws, const std::string& id);

// `pond backfill cancel ID`.
nlohmann::json cancel_backfill(orchestrate::Workspace& ws, const std::string& id);

}  // namespace pond::ui
