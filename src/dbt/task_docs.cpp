// `pond docs generate`: compiles the project (as `pond compile`), writes target/manifest.json,
// and writes target/catalog.json (dbt's catalog schema v1) from what the target database holds
// for the models, seeds, snapshots and sources the project builds or reads.
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/file_write.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "dbt/database_hooks.hpp"
#include "dbt/plan.hpp"
#include "dbt/project.hpp"
#include "dbt/tasks.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "materialize/catalog.hpp"
#include "project/dbt_version.hpp"
#include "project/manifest_json.hpp"

namespace pond::dbt {

namespace {

using nlohmann::ordered_json;
using project::Node;
using project::ResourceType;

// Nodes that have a relation in the database (ephemeral models, tests, analyses do not).
bool has_relation(const Node& n) {
  switch (n.resource_type) {
    case ResourceType::kModel:
      return n.materialized() != "ephemeral";
    case ResourceType::kSeed:
    case ResourceType::kSnapshot:
    case ResourceType::kSource:
      return true;
    default:
      return false;
  }
}

ordered_json null_if_empty(const std::string& s) {
  return s.empty() ? ordered_json(nullptr) : ordered_json(s);
}

// One catalog entry as dbt writes it (CatalogTable).
ordered_json entry_json(const std::string& unique_id, const materialize::CatalogEntry& e) {
  ordered_json columns = ordered_json::object();
  for (const auto& c : e.columns)
    columns[c.name] = {
        {"type", c.type}, {"index", c.index}, {"name", c.name}, {"comment", null_if_empty(c.comment)}};
  return {{"metadata",
           {{"type", e.type},
            {"schema", e.relation.schema},
            {"name", e.relation.identifier},
            {"database", e.relation.database},
            {"comment", null_if_empty(e.comment)},
            {"owner", nullptr}}},
          {"columns", columns},
          {"stats",
           {{"has_stats",
             {{"id", "has_stats"},
              {"label", "Has Stats?"},
              {"value", false},
              {"include", false},
              {"description", "Indicates whether there are statistics for this table"}}}}},
          {"unique_id", unique_id}};
}

}  // namespace

int docs_generate_task(TaskContext& ctx, const DocsGenerateOptions& options, std::ostream& out) {
  ResolvedProject resolved = resolve_project(ctx.options);
  engine::Database db = open_target_database(resolved.target);
  engine::Connection con(db);
  DatabaseHooks hooks(con, false);
  auto p = load_project(ctx.options, options.vars, "generate", &hooks);
  std::vector<std::size_t> selected = select(*p, options.selection);
  std::filesystem::path target_dir = p->manifest.project.root / p->manifest.project.target_path;

  if (options.compile) {
    std::vector<std::size_t> to_compile;
    for (std::size_t i : selected) {
      auto t = p->manifest.nodes[i].resource_type;
      if (t == ResourceType::kModel || t == ResourceType::kSnapshot || t == ResourceType::kTest ||
          t == ResourceType::kAnalysis)
        to_compile.push_back(i);
    }
    p->compiler->compile_nodes(to_compile);
    compile::write_compiled(p->manifest, to_compile, target_dir);
  }
  project::write_manifest(p->manifest, *p->graph,
                          project::ArtifactInfo{p->invocation_id, p->started_at, std::string(pond_version())},
                          target_dir);

  // The catalog covers the selected nodes that have relations; those not built yet are left
  // out, as dbt does.
  std::vector<std::size_t> wanted;
  std::vector<materialize::Relation> relations;
  if (!options.empty_catalog) {
    for (std::size_t i : selected) {
      const Node& n = p->manifest.nodes[i];
      if (!has_relation(n) || !n.is_enabled()) continue;
      wanted.push_back(i);
      const std::string& id = n.resource_type == ResourceType::kSource ? n.identifier : n.alias;
      relations.push_back({n.database, n.schema, id.empty() ? n.name : id});
    }
  }
  auto entries = materialize::read_catalog(con, relations);

  ordered_json nodes = ordered_json::object(), sources = ordered_json::object();
  std::size_t found = 0;
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    if (!entries[k]) continue;
    const Node& n = p->manifest.nodes[wanted[k]];
    (n.resource_type == ResourceType::kSource ? sources : nodes)[n.unique_id] =
        entry_json(n.unique_id, *entries[k]);
    ++found;
  }
  ordered_json catalog = {{"metadata",
                           {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/catalog/v1.json"},
                            {"dbt_version", project::kDbtVersion},
                            {"generated_at", iso_utc_now()},
                            {"invocation_id", p->invocation_id},
                            {"env", ordered_json::object()}}},
                          {"nodes", nodes},
                          {"sources", sources},
                          {"errors", nullptr}};
  std::filesystem::path catalog_path = target_dir / "catalog.json";
  write_file_atomically(catalog_path, catalog.dump(2));

  log::info("{}", summary(p->manifest));
  if (found < wanted.size())
    log::info(
        "{} of {} relations are not in the database yet (run pond build first); left out of the catalog",
        wanted.size() - found, wanted.size());
  out << "Catalog written to " << catalog_path.string() << " (" << found << " relations)\n";
  return 0;
}

}  // namespace pond::dbt
