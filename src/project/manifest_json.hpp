#pragma once
// target/manifest.json in dbt's manifest schema v12, and the node JSON `pond ls --output json`
// prints. Field names and shapes follow https://schemas.getdbt.com/dbt/manifest/v12.json.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "project/manifest.hpp"

namespace pond::project {

class Graph;

// Identifies the invocation in the artifact's `metadata`.
struct ArtifactInfo {
  std::string invocation_id;  // a UUID
  std::string generated_at;   // ISO-8601 UTC, e.g. "2026-11-21T09:00:00.000000Z"
  std::string pond_version;
};

ArtifactInfo new_artifact_info(const std::string& pond_version);

// One node (any resource type) as the manifest shows it.
std::string node_json_text(const Node& node);
nlohmann::ordered_json node_json(const Node& node);

// The whole manifest, written by a streaming writer (no DOM) for speed.
std::string manifest_text(const Manifest& manifest, const Graph& graph, const ArtifactInfo& info);
void write_manifest_to(std::ostream& out, const Manifest& manifest, const Graph& graph,
                       const ArtifactInfo& info);
nlohmann::ordered_json manifest_json(const Manifest& manifest, const Graph& graph, const ArtifactInfo& info);

// Writes manifest.json atomically (temporary file + rename) under `target_dir`.
void write_manifest(const Manifest& manifest, const Graph& graph, const ArtifactInfo& info,
                    const std::filesystem::path& target_dir);

}  // namespace pond::project
