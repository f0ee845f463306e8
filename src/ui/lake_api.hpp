#pragma once
// The lake in the web UI: its snapshots and tables, a table's columns and a preview of its rows
// at any snapshot (time travel through lake_scan(..., version => N), as SQL that pond runs
// reads it), and the columns of an asset's table.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "orchestrate/workspace.hpp"

namespace pond::ui {

// {"lake": {catalog, data_path, latest_snapshot}, "snapshot": N, "snapshots": [...] (most recent
// first), "tables": [...] at `snapshot` (latest when absent)}; {"lake": null, "hint"} without a lake.
nlohmann::json lake_json(orchestrate::Workspace& ws, std::optional<std::int64_t> snapshot);

// One table at a snapshot: columns and types, row count, the first `limit` rows as text. 404 for
// a table the snapshot does not have.
nlohmann::json lake_table_json(orchestrate::Workspace& ws, const std::string& table,
                               std::optional<std::int64_t> snapshot, int limit);

// The columns and types of `table` in the latest snapshot, or null (no lake, no such table yet).
nlohmann::json lake_columns(orchestrate::Workspace& ws, const std::string& table);

}  // namespace pond::ui
