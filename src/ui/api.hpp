#pragma once
// The web UI's JSON API as functions of a workspace and its run store (docs/ui.md lists the
// endpoints). They read; actions (materialize, cancel) are in actions.hpp. Callers serialize
// access to one Workspace/RunStore pair. Unknown names throw http::Error 404, bad selections
// UserError (a 400).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "orchestrate/workspace.hpp"
#include "runstore/run_store.hpp"

namespace pond::ui {

using EpochSeconds = std::int64_t;

// Every asset (kind, group, status, partition and check counts) and every edge, as JSON text
// (graph_json.cpp: written directly, the largest answer).
std::string graph_json_text(const orchestrate::Workspace& ws, runstore::RunStore& store, EpochSeconds now);

// The assets a selection picks (the CLI's syntax: -s/--exclude, space-separated unions).
nlohmann::json selection_json(const orchestrate::AssetGraph& graph, const std::string& select,
                              const std::string& exclude);

// One asset: docs, columns, SQL, status and why, materializations, checks, partition health.
nlohmann::json asset_json(orchestrate::Workspace& ws, runstore::RunStore& store, const std::string& name,
                          EpochSeconds now);

struct RunFilter {
  std::optional<std::string> status;
  std::optional<std::string> asset;  // an asset name: runs that targeted or materialized it
  std::optional<std::string> tag;    // key or key=value
  std::optional<std::string> since;  // ISO date or timestamp: runs started at or after it
  int limit = 50;
};

// Recent runs, most recent first.
nlohmann::json runs_json(const orchestrate::Workspace& ws, runstore::RunStore& store,
                         const RunFilter& filter);

// One run with its steps, events (after `after_event`), checks, tags and targets.
nlohmann::json run_json(runstore::RunStore& store, const std::string& id, std::int64_t after_event);

// Runs in progress and queued, recent failures, asset counts by status, next schedule ticks.
nlohmann::json overview_json(const orchestrate::Workspace& ws, runstore::RunStore& store, EpochSeconds now);

// Splits what a search bar holds ("a+ tag:x") into selection arguments.
std::vector<std::string> split_selection(const std::string& text);

}  // namespace pond::ui
