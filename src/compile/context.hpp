#pragma once
// Internal: the dbt context installed into a Jinja environment, and the per-render state the
// context functions record into (refs, sources, config() calls of the node being rendered).
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compile/compiler.hpp"
#include "jinja/environment.hpp"
#include "project/manifest.hpp"

namespace pond::compile {

struct MacroRegistry;

// State of one render, passed to the template as the variable `__pond__`.
class NodeRender final : public jinja::NativeObject {
 public:
  project::Node* node = nullptr;  // null for --inline SQL
  bool parse = false;             // parse-time render: record calls, resolve nothing
  std::vector<project::RefCall> refs;
  std::vector<project::SourceCall> sources;
  nlohmann::json config_calls = nlohmann::json::object();
  std::vector<std::size_t> ephemerals;  // ephemeral models referenced (node indexes)
  // A microbatch batch being rendered: refs/sources of nodes with an event_time config read
  // only [start, end) ('YYYY-MM-DD HH:MM:SS', UTC).
  struct Batch {
    std::string start, end, id;
  };
  std::optional<Batch> batch;
  // A unit test: ref()/source() of the given nodes (and `this`) read fixture CTEs, var() and
  // is_incremental() answer from the test's overrides.
  std::optional<UnitTestRender> unit_test;
  std::map<std::string, jinja::Value> statement_results;  // load_result(name)
  // What render(string) needs to render more text in the same context.
  jinja::Value vars;
  const jinja::Globals* layer = nullptr;
  std::string type_name() const override { return "render_state"; }
};

// What the context functions share (read-only while renders run).
struct ContextData {
  project::Manifest& manifest;
  CompileOptions options;
  ExecutionHooks* hooks;
  const MacroRegistry* macros = nullptr;
  const jinja::Environment* env = nullptr;
};

// The per-render state of the render that called a context function.
NodeRender& render_of(jinja::CallArgs& args);

void install_context(jinja::Environment& env, ContextData& data);

// The relation a node builds (ephemeral: its CTE name; a source with dbt-duckdb's
// external_location: that file scan).
jinja::Value relation_of(const project::Node& node);

// A relation that is a CTE of the query (an ephemeral model, a unit test's fixture).
jinja::Value cte_relation(const std::string& name);

// The `model`/`node` dict of a node, as macros see it.
jinja::Value node_value(const project::Node& node);

}  // namespace pond::compile
