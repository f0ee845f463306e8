#pragma once
// The asset graph: every dbt model, seed and snapshot, every source (an external asset, or the
// command asset that produces its table), and every command asset of pond.yml, in one DAG.
// Ingest resources of pond.yml are assets too (a dbt source on their table is downstream of
// them). dbt tests are checks of the asset they test. Partitions, retry policies and pools come from
// pond.yml (`assets:` and `models:`). docs/orchestrate.md describes the rules.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "orchestrate/config.hpp"
#include "orchestrate/partitions.hpp"

namespace pond::project {
struct Manifest;
class Graph;
}  // namespace pond::project

namespace pond::orchestrate {

enum class AssetKind { kModel, kSeed, kSnapshot, kSource, kCommand, kIngest };
const char* kind_name(AssetKind k);  // "dbt model", "dbt seed", ..., "command", "ingest"

struct AssetNode {
  std::string name;  // what selection and messages use: model name, "source.table", asset name
  std::string key;   // the run store's key: schema.alias for dbt nodes, the name for command assets
  AssetKind kind = AssetKind::kModel;
  std::string group;
  std::string description;
  std::vector<std::string> owners;
  std::vector<std::string> tags;
  std::string table;                               // the relation it writes (schema.identifier), if any
  std::optional<std::size_t> dbt_index;            // index into the manifest's nodes
  const AssetConfig* command = nullptr;            // command assets
  const ingest::ResourceConfig* ingest = nullptr;  // ingest resources
  std::vector<std::size_t> parents;
  std::vector<MappingConfig> mappings;  // per parent
  std::vector<std::size_t> children;
  const PartitionsDefinition* partitions = nullptr;
  std::string code_version;
  std::vector<std::string> files;  // command assets: project-relative files it runs (code version, path:)
  std::optional<RetryPolicy> retry;
  std::string pool;
  bool blocking_checks = true;      // dbt tests stop command assets downstream when they fail
  std::vector<std::size_t> tests;   // dbt test node indexes checking this asset
  std::vector<std::string> checks;  // check names (dbt test unique ids, declared command checks)
  SourceLocation where;             // pond.yml for command assets, the file for dbt nodes
  bool materializable() const { return kind != AssetKind::kSource; }
};

class AssetGraph {
 public:
  // `manifest`/`dbt_graph` may be null (a folder with pond.yml and no dbt project is not
  // supported today, but the graph does not need one). Throws UserError for unknown deps
  // (did-you-mean), cycles through dbt and command assets (printed as a path), incompatible
  // partition mappings.
  AssetGraph(const project::Manifest* manifest, const project::Graph* dbt_graph, const PondConfig& config,
             const std::map<std::string, std::vector<std::string>>& dynamic_keys);
  ~AssetGraph();
  AssetGraph(const AssetGraph&) = delete;
  AssetGraph& operator=(const AssetGraph&) = delete;

  const PondConfig& config() const { return config_; }
  const project::Manifest* manifest() const { return manifest_; }
  const project::Graph* dbt_graph() const { return dbt_graph_; }
  const std::vector<AssetNode>& nodes() const { return nodes_; }
  const AssetNode& node(std::size_t i) const { return nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }
  std::optional<std::size_t> find(const std::string& name_or_key) const;
  std::optional<std::size_t> of_dbt_node(std::size_t manifest_index) const;
  const PartitionsDefinition* partitions(const std::string& name) const;
  const std::vector<std::unique_ptr<PartitionsDefinition>>& definitions() const { return definitions_; }
  // Parents before children.
  const std::vector<std::size_t>& topological_order() const { return order_; }
  std::vector<std::size_t> ancestors(const std::vector<std::size_t>& from, int depth = -1) const {
    return walk(from, depth, true);
  }
  std::vector<std::size_t> descendants(const std::vector<std::size_t>& from, int depth = -1) const {
    return walk(from, depth, false);
  }
  std::vector<std::string> names() const;

 private:
  std::vector<std::size_t> walk(const std::vector<std::size_t>& from, int depth, bool up) const;
  void add_dbt_nodes();
  void add_command_assets();
  void add_ingest_assets();
  void add_command_deps();
  void apply_model_rules();
  void check_mappings();
  void order_and_check_cycles();
  void compute_code_versions();
  void add_edge(std::size_t parent, std::size_t child, MappingConfig mapping = {});
  std::size_t add_node(AssetNode node);

  const project::Manifest* manifest_;
  const project::Graph* dbt_graph_;
  const PondConfig& config_;
  std::vector<std::unique_ptr<PartitionsDefinition>> definitions_;
  std::vector<AssetNode> nodes_;
  std::unordered_map<std::string, std::size_t> by_name_;
  std::unordered_map<std::size_t, std::size_t> by_dbt_;
  std::vector<std::size_t> order_;
};

}  // namespace pond::orchestrate
