#pragma once
// What the UI's buttons do, through the same code paths as the CLI: materialize submits to the
// run queue as `pond materialize --submit` does (orchestrate::submit_materialize), cancel is
// `pond runs cancel` (orchestrate::cancel_run).
#include <nlohmann/json.hpp>
#include <string>

#include "orchestrate/workspace.hpp"
#include "runstore/run_store.hpp"

namespace pond::ui {

// `body`: {"select": "a+ tag:x" or [...], "exclude": ..., "partition": "2024-01-01",
// "from": key, "to": key, "partition_range": {"list_key": "", "from": i, "to": j} (time indexes,
// inclusive; the partition health bar), "full_refresh": bool, "tags": {"k": "v"}}. Queues one run (trigger
// "ui") and returns {"run_id": ...}. Throws http::Error 400 for a malformed body, UserError for a selection
// or partition the CLI would refuse.
nlohmann::json submit_materialize(orchestrate::Workspace& ws, const std::string& body);

// `pond runs reexecute ID [--failed]` (orchestrate::plan_reexecute), queued like a submitted run.
// `body`: {"failed_only": bool}. Returns {"run_id", "parent_run_id", "message"}; 404 for an unknown
// run, 409 when only failed steps are asked for and none failed, UserError (400) for a run still
// going or not of assets.
nlohmann::json submit_reexecute(orchestrate::Workspace& ws, const std::string& run_id,
                                const std::string& body);

// {"run_id", "status", "outcome": "cancelled" | "requested" | "not running"}.
nlohmann::json cancel(runstore::RunStore& store, const std::string& run_id);

}  // namespace pond::ui
