#pragma once
// The dbt Jinja context over a parsed project: renders models, tests, snapshots and analyses
// into SQL (compile), and re-renders nodes whose ref()/source()/config() calls static analysis
// could not read (parse). One Compiler per command; compile_nodes renders in parallel.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "project/manifest.hpp"

namespace pond::jinja {
class Value;
}

namespace pond::compile {

// A column as get_columns_in_relation reports it.
struct ColumnInfo {
  std::string name;
  std::string data_type;
};

// A query's result for run_query() and statement blocks: column names, DuckDB's type spellings,
// the values as text (NULL: nullopt), and the rows a DML statement changed.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::string> types;
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string message;  // the adapter response's message ("OK" when empty)
  std::uint64_t rows_affected = 0;
};

// A relation that exists in the database (adapter.list_relations_without_caching).
struct RelationInfo {
  std::string database, schema, identifier;
  std::string type;  // "table", "view" or "external"
};

// What only a run can answer: the executor implements these (pond compile leaves the defaults:
// nothing exists yet, so is_incremental() is false and get_relation() is none). The adapter's
// other methods that touch the database (drop_relation, rename_relation, create_schema,
// adapter.execute, ...) run their DuckDB SQL through run_query(); list_relations and
// list_schemas default to catalog queries through it too.
class ExecutionHooks {
 public:
  virtual ~ExecutionHooks() = default;
  virtual bool is_incremental(const project::Node& node);
  // Whether database.schema.identifier exists (and is a "table" or "view"); nullopt when not.
  virtual std::optional<std::string> relation_type(const std::string& database, const std::string& schema,
                                                   const std::string& identifier);
  virtual std::vector<ColumnInfo> columns(const std::string& database, const std::string& schema,
                                          const std::string& identifier);
  // run_query() and statement blocks; throws when no database is connected.
  virtual QueryResult run_query(const std::string& sql);
  // The tables and views of a schema (matched case-insensitively, as dbt-duckdb does).
  virtual std::vector<RelationInfo> list_relations(const std::string& database, const std::string& schema);
  // The schemas of a database.
  virtual std::vector<std::string> list_schemas(const std::string& database);
  // adapter.drop_relation of a relation the hooks drop themselves (a lake table or view: a lake
  // commit): true when done. False: the adapter runs its DROP statement through run_query().
  virtual bool drop_relation(const std::string& database, const std::string& schema,
                             const std::string& identifier);
};

// dbt's --defer: ref() to a node the run does not build reads the relation another environment's
// manifest (--state) names when the target has none (always, with --favor-state).
struct DeferTargets {
  struct Relation {
    std::string database, schema, identifier;
  };
  std::unordered_map<std::string, Relation> relations;  // unique_id -> relation in the state
  std::unordered_set<std::string> selected;             // built by this run: never deferred
  bool favor_state = false;
};

// One finished step of a run as an on-run-end hook sees it (dbt's RunResult in `results`).
struct RunHookResult {
  std::string unique_id;
  std::string status;   // success, error, skipped, pass, fail, warn (dbt's status names)
  std::string message;  // empty: none
  double execution_time = 0;
  int thread = 0;  // 0: did not run
  std::optional<std::int64_t> failures;
  std::optional<std::uint64_t> rows_affected;
};

// How a unit test renders its model: the given nodes' refs/sources (unique_id -> CTE name) and
// `this` (when given) read fixture CTEs (name, SQL) that are prepended to the query; var() and
// env_var() and is_incremental() answer from the test's overrides; `macros` are its
// `overrides: macros:` (unit_test_overrides.hpp), `where` names the test in errors.
struct UnitTestRender {
  std::map<std::string, std::string> fixtures;
  std::optional<std::string> this_cte;
  std::vector<std::pair<std::string, std::string>> ctes;
  nlohmann::json vars = nlohmann::json::object();
  nlohmann::json env_vars = nlohmann::json::object();  // overrides: env_vars
  nlohmann::json macros = nlohmann::json::object();
  std::string where;
  bool is_incremental = false;
};

struct CompileOptions {
  std::string invocation_id;
  std::string run_started_at;  // ISO-8601 UTC
  std::string which = "compile";
  bool full_refresh = false;
  int threads = 2;
  ExecutionHooks* hooks = nullptr;            // not owned; defaults when null
  bool empty = false;                         // --empty: ref() and source() read zero rows
  bool store_failures = false;                // --store-failures (flags.STORE_FAILURES)
  bool fail_fast = false;                     // --fail-fast (flags.FAIL_FAST)
  std::shared_ptr<const DeferTargets> defer;  // --defer (set with Compiler::set_defer)
};

class Compiler {
 public:
  // `manifest` must outlive the compiler; nodes are updated in place.
  Compiler(project::Manifest& manifest, CompileOptions options);
  ~Compiler();
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;

  // Renders the nodes static analysis flagged as dynamic, records their ref/source/config calls
  // and resolves their dependencies again; applies project overrides of generate_schema_name,
  // generate_alias_name and generate_database_name. Call once after load_manifest.
  void render_for_parse();

  // --defer: refs to nodes outside `targets.selected` may read the state's relations. Call
  // before compile_nodes.
  void set_defer(DeferTargets targets);

  // Renders the nodes (indexes into manifest.nodes) into node.compiled_code. Ephemeral models
  // they reference are compiled first and injected as CTEs, as dbt does.
  void compile_nodes(const std::vector<std::size_t>& nodes);

  // Renders one microbatch batch of a compiled model (node index): ref()/source() of nodes with
  // an event_time config read only [start, end), and model.batch is set, as dbt does. Does not
  // change the manifest, so batches of different models may render on several threads.
  std::string compile_batch(std::size_t node, const std::string& start, const std::string& end,
                            const std::string& batch_id);

  // Renders a pre-hook/post-hook of a node (index) as dbt does when it runs the hook: `this` is
  // the node's Relation, `model` the node; run_query and the adapter answer from the database
  // as it is then. Does not change the manifest, so hooks of several nodes may render at once.
  std::string render_hook(std::size_t node, std::string_view sql);

  // Renders a model (node index) for a unit test: see UnitTestRender. Ephemeral models it uses
  // must have been compiled (compile_nodes). Does not change the manifest.
  std::string compile_unit_test(std::size_t node, const UnitTestRender& test);

  // Renders an on-run-start/on-run-end hook of dbt_project.yml when it runs (`where` names it in
  // errors). With `results` (on-run-end): `results`, `schemas` and `database_schemas` as dbt
  // sets them, from the steps that ran; run_query and the adapter answer from the database.
  std::string render_run_hook(std::string_view sql, std::string_view where,
                              const std::vector<RunHookResult>* results);

  // Compiles SQL text in the project's context (`pond compile --inline`).
  std::string compile_inline(std::string_view sql);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes each compiled node to <target>/compiled/<package>/<original_file_path> (tests from
// YAML: <yml path>/<test alias>.sql) and sets node.compiled_path.
void write_compiled(project::Manifest& manifest, const std::vector<std::size_t>& nodes,
                    const std::filesystem::path& target_dir);

}  // namespace pond::compile
