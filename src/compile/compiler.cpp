#include "compile/compiler.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "common/text.hpp"
#include "compile/builtin_macros.hpp"
#include "compile/context.hpp"
#include "compile/dispatch.hpp"
#include "compile/values.hpp"
#include "jinja/error.hpp"
#include "project/config.hpp"
#include "project/graph.hpp"
#include "project/relation.hpp"
#include "project/resolve.hpp"

namespace pond::compile {

using jinja::Value;
using project::Node;

bool ExecutionHooks::is_incremental(const Node&) {
  return false;
}
std::optional<std::string> ExecutionHooks::relation_type(const std::string&, const std::string&,
                                                         const std::string&) {
  return std::nullopt;
}
std::vector<ColumnInfo> ExecutionHooks::columns(const std::string&, const std::string&, const std::string&) {
  return {};
}
QueryResult ExecutionHooks::run_query(const std::string&) {
  throw jinja::TemplateError(jinja::ErrorKind::kRuntime,
                             "run_query() needs a database connection; it runs during pond run/build");
}

namespace {

// `{% test name(args) %}` blocks are macros named test_<name> to the Jinja engine.
std::string test_blocks_as_macros(std::string sql) {
  auto replace_tag = [&](const std::string& from, const std::string& to, bool first_only) {
    std::size_t pos = 0;
    while ((pos = sql.find("{%", pos)) != std::string::npos) {
      std::size_t p = pos + 2;
      if (p < sql.size() && sql[p] == '-') ++p;
      while (p < sql.size() && sql[p] == ' ') ++p;
      if (sql.compare(p, from.size(), from) == 0 && p + from.size() < sql.size() &&
          (sql[p + from.size()] == ' ' || sql[p + from.size()] == '%' || sql[p + from.size()] == '-')) {
        sql.replace(p, from.size(), to);
        if (first_only) return;
      }
      pos = p;
    }
  };
  if (sql.find("endtest") == std::string::npos) return sql;
  // "{% test not_negative(" -> "{% macro test_not_negative("
  std::size_t pos = sql.find("{%");
  if (pos != std::string::npos) {
    std::size_t p = pos + 2;
    if (sql[p] == '-') ++p;
    while (sql[p] == ' ') ++p;
    if (sql.compare(p, 5, "test ") == 0) {
      std::size_t name = p + 5;
      while (sql[name] == ' ') ++name;
      sql.replace(p, name - p, "macro test_");
    }
  }
  replace_tag("endtest", "endmacro", false);
  return sql;
}

UserError to_user_error(const jinja::TemplateError& e, const std::string& file, int line_offset = 0) {
  SourceLocation where{file, e.line() > 0 ? e.line() + line_offset : 0, e.line() > 0 ? e.column() : 0};
  std::string hint;
  if (e.kind() == jinja::ErrorKind::kUndefined) hint = "is it a macro or variable defined in this project?";
  return UserError(where, std::string(jinja::error_kind_name(e.kind())) + ": " + e.message(), hint);
}

std::string inject_ctes(const std::string& sql,
                        const std::vector<std::pair<std::string, std::string>>& ctes) {
  if (ctes.empty()) return sql;
  std::string defs;
  for (const auto& [name, body] : ctes) {
    if (!defs.empty()) defs += ",\n";
    defs += name + " as (\n" + body + "\n)";
  }
  std::size_t start = sql.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && to_lower(sql.substr(start, 5)) == "with ") {
    return sql.substr(0, start) + "with " + defs + ",\n" + sql.substr(start + 5);
  }
  return "with " + defs + "\n" + sql;
}

}  // namespace

struct Compiler::Impl {
  project::Manifest& m;
  ExecutionHooks default_hooks;
  ContextData data;
  jinja::Environment env;
  std::vector<std::shared_ptr<const jinja::Module>> modules;
  std::set<std::string> project_macros;

  Impl(project::Manifest& manifest, CompileOptions options)
      : m(manifest), data{manifest, options, options.hooks ? options.hooks : &default_hooks} {
    install_context(env, data);
    install_graph();
    std::map<std::string, std::shared_ptr<MacroNamespace>> namespaces;  // by package
    auto add_to = [&](const std::string& package, const std::vector<std::pair<std::string, Value>>& exports) {
      auto& ns = namespaces[package];
      if (!ns) ns = std::make_shared<MacroNamespace>();
      for (const auto& [k, v] : exports) ns->add(k, v);
    };
    add_to("dbt", load_library(std::string(builtin_macros_source()), "<dbt built-in macros>"));
    // Packages first, the root project last: in the flat namespace the root project's macros
    // win, as in dbt; each package's macros are also reachable as `<package>.<macro>`.
    for (int root_pass = 0; root_pass < 2; ++root_pass) {
      for (const auto& mc : m.macros) {
        if ((mc.package_name == m.project.name) != (root_pass == 1)) continue;
        // Leading newlines keep line numbers in errors equal to the file's.
        std::string text(static_cast<std::size_t>(std::max(0, mc.line - 1)), '\n');
        text += test_blocks_as_macros(mc.macro_sql);
        auto exports = load_library(text, m.display_path(mc.package_name, mc.original_file_path));
        if (root_pass == 1)
          for (const auto& e : exports) project_macros.insert(e.first);
        add_to(mc.package_name, exports);
      }
    }
    for (auto& [package, dict] : namespaces)  // never hide a context name (a project named "target")
      if (!env.find_global(package)) env.add_global(package, Value::object(dict));
  }

  // `graph` (nodes, sources and exposures visible to macros) costs a dict per node, so it is
  // built only when some node or macro mentions it.
  void install_graph() {
    bool used = false;
    for (const auto& n : m.nodes) used = used || n.raw_code.find("graph") != std::string::npos;
    for (const auto& mc : m.macros) used = used || mc.macro_sql.find("graph") != std::string::npos;
    if (!used) return;
    Value nodes = Value::dict(), sources = Value::dict(), exposures = Value::dict();
    for (const auto& n : m.nodes) {
      Value& section = n.resource_type == project::ResourceType::kSource     ? sources
                       : n.resource_type == project::ResourceType::kExposure ? exposures
                                                                             : nodes;
      section.as_dict().set(Value(n.unique_id), node_value(n));
    }
    Value graph = Value::dict();
    graph.as_dict().set(Value("nodes"), nodes);
    graph.as_dict().set(Value("sources"), sources);
    graph.as_dict().set(Value("exposures"), exposures);
    graph.as_dict().set(Value("metrics"), Value::dict());
    env.add_global("graph", graph);
  }

  // Loads a file of macros into the flat namespace; returns its macros.
  std::vector<std::pair<std::string, Value>> load_library(const std::string& text, const std::string& name) {
    std::vector<std::pair<std::string, Value>> names;
    try {
      auto module = env.from_string(text, name)->load_module();
      for (const auto& [k, v] : module->exports().as_dict().entries()) {
        env.add_global(k.str(), v);
        names.emplace_back(k.str(), v);
      }
      modules.push_back(std::move(module));
    } catch (const jinja::TemplateError& e) {
      throw to_user_error(e, name);
    }
    return names;
  }

  // Renders one node; `state` receives the calls it made.
  std::string render(Node& n, NodeRender& state, const std::shared_ptr<NodeRender>& holder) {
    Value vars = Value::dict();
    auto& v = vars.as_dict();
    v.set(Value("__pond__"), Value::object(holder));
    v.set(Value("this"), relation_of(n));
    if (state.parse) v.set(Value("execute"), Value(false));  // as dbt: nothing runs at parse
    if (n.raw_code.find("model") != std::string::npos || n.test_metadata) {
      Value model = node_value(n);
      if (state.batch) {  // dbt's model.batch while a microbatch batch renders
        Value b = Value::dict();
        b.as_dict().set(Value("id"), Value(state.batch->id));
        b.as_dict().set(Value("event_time_start"), Value(state.batch->start));
        b.as_dict().set(Value("event_time_end"), Value(state.batch->end));
        model.as_dict().set(Value("batch"), b);
      } else if (const nlohmann::json* s = n.config_value("incremental_strategy");
                 s && s->is_string() && *s == "microbatch") {
        model.as_dict().set(Value("batch"), Value::none());  // compiled outside a batch
      }
      v.set(Value("model"), model);
    }
    if (n.test_metadata) {
      Value kwargs = Value::dict();
      for (const auto& [k, val] : n.test_metadata->kwargs.items()) {
        Value arg = to_value(val);
        if (val.is_string()) {
          const std::string& s = val.get_ref<const std::string&>();
          if (auto name = where_subquery_ref(s)) {
            vars.as_dict().set(Value("__pond_kwarg_ref__"), Value(std::string(*name)));
            arg = Value(render_template(*where_subquery_template(n), n, vars));
            vars.as_dict().erase(Value("__pond_kwarg_ref__"));
          } else if (s.find("{{") != std::string::npos) {
            arg = Value(render_text(s, n, holder, vars));
          } else if (s.rfind("ref(", 0) == 0 || s.rfind("source(", 0) == 0)
            arg = Value(render_text("{{ " + s + " }}", n, holder, vars));
        }
        kwargs.as_dict().set(Value(k), arg);
      }
      v.set(Value("_dbt_generic_test_kwargs"), kwargs);
    }
    return render_text(n.raw_code, n, holder, vars);
  }

  std::string render_template(const jinja::Template& t, const Node& n, const Value& vars) {
    try {
      return t.render(vars);
    } catch (const jinja::TemplateError& e) {
      throw to_user_error(e, m.display_path(n.package_name, n.original_file_path));
    } catch (const jinja::MacroReturn& r) {
      return r.value.str();
    }
  }

  // A generic test's `model` argument is "{{ get_where_subquery(ref('<model>')) }}" (dbt writes
  // it so): the models' names differ, the template does not, so it is parsed once per file with
  // the name as a variable instead of once per test.
  static std::optional<std::string_view> where_subquery_ref(std::string_view s) {
    constexpr std::string_view head = "{{ get_where_subquery(ref('";
    constexpr std::string_view tail = "')) }}";
    if (s.size() <= head.size() + tail.size() || !s.starts_with(head) || !s.ends_with(tail))
      return std::nullopt;
    std::string_view name = s.substr(head.size(), s.size() - head.size() - tail.size());
    if (name.find_first_of("'\\\"{}") != std::string_view::npos) return std::nullopt;
    return name;
  }
  std::shared_ptr<const jinja::Template> where_subquery_template(const Node& n) {
    return cached_template(n.original_file_path, "{{ get_where_subquery(ref(__pond_kwarg_ref__)) }}");
  }

  std::string render_text(const std::string& text, const Node& n, const std::shared_ptr<NodeRender>&,
                          const Value& vars) {
    try {
      return (n.test_metadata && &text == &n.raw_code ? test_template(n)
                                                      : env.from_string(text, n.original_file_path))
          ->render(vars);
    } catch (const jinja::TemplateError& e) {
      throw to_user_error(e, m.display_path(n.package_name, n.original_file_path));
    } catch (const jinja::MacroReturn& r) {
      return r.value.str();
    }
  }

  // A generic test's code is one of a handful of texts ("{{ test_not_null(**_dbt_generic_test_kwargs) }}"):
  // parsed once per file and text instead of once per test (20,000 parses in a 10,000-model project).
  std::shared_ptr<const jinja::Template> test_template(const Node& n) {
    return cached_template(n.original_file_path, n.raw_code);
  }
  std::shared_ptr<const jinja::Template> cached_template(const std::string& file, const std::string& text) {
    std::string key = file + '\0' + text;
    {
      std::lock_guard lock(test_templates_mutex);
      if (auto it = test_templates.find(key); it != test_templates.end()) return it->second;
    }
    auto parsed = env.from_string(text, file);
    std::lock_guard lock(test_templates_mutex);
    return test_templates.emplace(std::move(key), std::move(parsed)).first->second;
  }
  std::mutex test_templates_mutex;
  std::unordered_map<std::string, std::shared_ptr<const jinja::Template>> test_templates;

  // Renders `nodes` on up to `threads` threads; results[i] holds the ephemerals node i used.
  void render_all(const std::vector<std::size_t>& nodes, bool parse,
                  std::vector<std::shared_ptr<NodeRender>>& states) {
    states.assign(nodes.size(), nullptr);
    parallel_for(
        nodes.size(), std::clamp(data.options.threads, 1, 8),
        [&](std::size_t i) {
          Node& n = m.nodes[nodes[i]];
          auto state = std::make_shared<NodeRender>();
          state->node = &n;
          state->parse = parse;
          states[i] = state;
          std::string out = render(n, *state, state);
          if (!parse) {
            n.compiled_code = std::move(out);
            n.compiled = true;
          }
        },
        9);
  }

  void apply_naming_overrides() {
    bool schema =
        project_macros.count("generate_schema_name") || project_macros.count("default__generate_schema_name");
    bool alias =
        project_macros.count("generate_alias_name") || project_macros.count("default__generate_alias_name");
    bool database = project_macros.count("generate_database_name") ||
                    project_macros.count("default__generate_database_name");
    if (!schema && !alias && !database) return;
    auto tmpl = env.from_string(
        "{%- if kind == 'schema' -%}{{ generate_schema_name(custom, node) }}"
        "{%- elif kind == 'alias' -%}{{ generate_alias_name(custom, node) }}"
        "{%- else -%}{{ generate_database_name(custom, node) }}{%- endif -%}",
        "<naming>");
    for (auto& n : m.nodes) {
      if (n.resource_type == project::ResourceType::kSource ||
          n.resource_type == project::ResourceType::kExposure)
        continue;
      auto call = [&](const char* kind, const char* key, const std::string& current) {
        Value vars = Value::dict();
        vars.as_dict().set(Value("kind"), Value(kind));
        const nlohmann::json* it = n.config_value(key);
        vars.as_dict().set(Value("custom"),
                           it && it->is_string() ? Value(it->get<std::string>()) : Value::none());
        vars.as_dict().set(Value("node"), node_value(n));
        try {
          return std::string(trim(tmpl->render(vars)));
        } catch (const jinja::TemplateError& e) {
          throw to_user_error(e, m.display_path(n.package_name, n.original_file_path));
        }
        return current;
      };
      std::string db = database ? call("database", "database", n.database) : n.database;
      std::string sc = schema ? call("schema", "schema", n.schema) : n.schema;
      std::string al = alias && n.resource_type != project::ResourceType::kTest
                           ? call("alias", "alias", n.alias)
                           : n.alias;
      project::set_relation(n, db, sc, al, m.project.quoting);
    }
  }
};

Compiler::Compiler(project::Manifest& manifest, CompileOptions options)
    : impl_(std::make_unique<Impl>(manifest, std::move(options))) {}
Compiler::~Compiler() = default;

void Compiler::render_for_parse() {
  auto& m = impl_->m;
  std::vector<std::size_t> dynamic;
  for (std::size_t i = 0; i < m.nodes.size(); ++i)
    if (m.nodes[i].needs_rendering) dynamic.push_back(i);
  if (!dynamic.empty()) {
    std::vector<std::shared_ptr<NodeRender>> states;
    impl_->render_all(dynamic, true, states);
    for (std::size_t k = 0; k < dynamic.size(); ++k) {
      Node& n = m.nodes[dynamic[k]];
      n.refs = states[k]->refs;
      n.sources = states[k]->sources;
      project::merge_config(n.config, project::normalize_config(states[k]->config_calls));
      std::vector<std::string> macro_ids = n.depends_on_macros;
      project::resolve_node_dependencies(m, n);
      n.depends_on_macros = macro_ids;
    }
    project::check_acyclic(m, project::Graph(m));
  }
  impl_->apply_naming_overrides();
}

void Compiler::compile_nodes(const std::vector<std::size_t>& nodes) {
  auto& m = impl_->m;
  std::vector<std::size_t> todo;
  for (std::size_t i : nodes) {
    auto t = m.nodes[i].resource_type;
    if (t == project::ResourceType::kSource || t == project::ResourceType::kExposure ||
        t == project::ResourceType::kSeed)
      continue;
    todo.push_back(i);
  }
  std::vector<std::shared_ptr<NodeRender>> states;
  impl_->render_all(todo, false, states);
  // Ephemeral models: compile those used (recursively), then inject them as CTEs.
  std::map<std::size_t, std::vector<std::size_t>> uses;
  for (std::size_t k = 0; k < todo.size(); ++k) uses[todo[k]] = states[k]->ephemerals;
  std::vector<std::size_t> pending;
  for (auto& [node, eph] : uses) pending.insert(pending.end(), eph.begin(), eph.end());
  while (!pending.empty()) {
    std::size_t e = pending.back();
    pending.pop_back();
    if (uses.count(e)) continue;
    std::vector<std::shared_ptr<NodeRender>> st;
    impl_->render_all({e}, false, st);
    uses[e] = st[0]->ephemerals;
    pending.insert(pending.end(), st[0]->ephemerals.begin(), st[0]->ephemerals.end());
  }
  std::map<std::size_t, bool> injected;
  std::function<void(std::size_t, int)> inject = [&](std::size_t node, int depth) {
    if (injected[node]) return;
    if (depth > 64) throw UserError("ephemeral models refer to each other too deeply");
    std::vector<std::pair<std::string, std::string>> ctes;
    std::set<std::size_t> seen;
    for (std::size_t e : uses[node]) {
      if (!seen.insert(e).second) continue;
      inject(e, depth + 1);
      ctes.emplace_back("__dbt__cte__" + m.nodes[e].name, m.nodes[e].compiled_code);
    }
    m.nodes[node].compiled_code = inject_ctes(m.nodes[node].compiled_code, ctes);
    injected[node] = true;
  };
  for (auto& [node, eph] : uses)
    if (!eph.empty()) inject(node, 0);
}

std::string Compiler::compile_batch(std::size_t node, const std::string& start, const std::string& end,
                                    const std::string& batch_id) {
  Node& n = impl_->m.nodes.at(node);
  auto state = std::make_shared<NodeRender>();
  state->node = &n;
  state->batch = NodeRender::Batch{start, end, batch_id};
  std::string out = impl_->render(n, *state, state);
  // Ephemeral models were compiled with the node (compile_nodes), with their own CTEs injected.
  std::vector<std::pair<std::string, std::string>> ctes;
  std::set<std::size_t> seen;
  for (std::size_t e : state->ephemerals) {
    if (!seen.insert(e).second) continue;
    const Node& eph = impl_->m.nodes[e];
    if (!eph.compiled)
      throw UserError(n.original_file_path + ": ephemeral model '" + eph.name +
                      "' is used only in some batches; compile the model first");
    ctes.emplace_back("__dbt__cte__" + eph.name, eph.compiled_code);
  }
  return inject_ctes(out, ctes);
}

std::string Compiler::compile_inline(std::string_view sql) {
  auto state = std::make_shared<NodeRender>();
  Value vars = Value::dict();
  vars.as_dict().set(Value("__pond__"), Value::object(state));
  std::string out;
  try {
    out = impl_->env.from_string(sql, "inline")->render(vars);
  } catch (const jinja::TemplateError& e) {
    throw to_user_error(e, "--inline");
  }
  std::vector<std::pair<std::string, std::string>> ctes;
  if (!state->ephemerals.empty()) {
    compile_nodes(state->ephemerals);
    for (std::size_t e : state->ephemerals)
      ctes.emplace_back("__dbt__cte__" + impl_->m.nodes[e].name, impl_->m.nodes[e].compiled_code);
  }
  return inject_ctes(out, ctes);
}

}  // namespace pond::compile
