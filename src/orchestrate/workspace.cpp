#include "orchestrate/workspace.hpp"

#include "state/database.hpp"

namespace pond::orchestrate {

Workspace::Workspace(const dbt::GlobalOptions& options) : options_(options) {
  project_ = dbt::load_project(options_, "", "materialize");
  root_ = project_->manifest.project.root;
  config_ = load_pond_config(root_);
  try {
    store_ = std::make_unique<runstore::RunStore>(open_store());
  } catch (const state::Error& e) {
    throw UserError(SourceLocation{"pond.yml"}, std::string("cannot open the run store (state: ") +
                                                    state::redact_conninfo(config_.state) + "): " + e.what());
  }
  graph_ = std::make_unique<AssetGraph>(&project_->manifest, project_->graph.get(), config_,
                                        store_->dynamic_partitions());
}

Workspace::~Workspace() = default;

runstore::RunStore Workspace::open_store() const {
  return runstore::RunStore::open_spec(config_.state, root_);
}

}  // namespace pond::orchestrate
