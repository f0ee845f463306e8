#include "compile/compiler.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
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
#include "compile/python_model.hpp"
#include "compile/unit_test_overrides.hpp"
#include "compile/values.hpp"
#include "jinja/error.hpp"
#include "project/config.hpp"
#include "project/graph.hpp"
#include "project/relation.hpp"
#include "project/resolve.hpp"

namespace pond::compile {

using jinja::Value;
using project::Node;

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

// Where the error happened: the template it was raised in (a macro's file, or the node's own),
// else `file`.
UserError to_user_error(const jinja::TemplateError& e, const std::string& file, int line_offset = 0) {
  const std::string& name =
      e.template_name().empty() || e.template_name() == "render" ? file : e.template_name();
  SourceLocation where{name, e.line() > 0 ? e.line() + line_offset : 0, e.line() > 0 ? e.column() : 0};
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
  // The first token after whitespace and comments (dbt finds it with sqlparse): a leading
  // `with` takes the CTEs in front of its own.
  std::size_t start = 0;
  while (true) {
    start = sql.find_first_not_of(" \t\r\n", start);
    if (start == std::string::npos) break;
    if (sql.compare(start, 2, "--") == 0) {
      start = sql.find('\n', start);
    } else if (sql.compare(start, 2, "/*") == 0) {
      start = sql.find("*/", start + 2);
      if (start != std::string::npos) start += 2;
    } else {
      break;
    }
    if (start == std::string::npos) break;
  }
  if (start != std::string::npos && to_lower(sql.substr(start, 4)) == "with" &&
      (start + 4 >= sql.size() || std::isspace(static_cast<unsigned char>(sql[start + 4])))) {
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
  MacroRegistry registry;

  Impl(project::Manifest& manifest, CompileOptions options)
      : m(manifest), data{manifest, options, options.hooks ? options.hooks : &default_hooks} {
    data.macros = &registry;
    data.env = &env;
    install_context(env, data);
    install_graph();
    env.add_global("selected_resources", Value::list());
    // dbt's and dbt-duckdb's macros: `dbt.<name>`, and by name below every project's.
    for (const auto& [k, v] : load_library(std::string(builtin_macros_source()), "<dbt built-in macros>")) {
      registry.internal->add(k, v);
      env.add_global(k, v);
    }
    for (const char* native : {"get_where_subquery", "default__get_where_subquery"})
      registry.internal->add(native, *env.find_global(native));
    // Every macro by name, '_'-prefixed ones too: the root project's in the globals (over
    // dbt's), another package's in its layer, each package's as `<package>.<macro>`.
    for (const auto& mc : m.macros) {
      // Leading newlines keep line numbers in errors equal to the file's.
      std::string text(static_cast<std::size_t>(std::max(0, mc.line - 1)), '\n');
      text += test_blocks_as_macros(mc.macro_sql);
      auto& ns = registry.packages[mc.package_name];
      if (!ns) ns = std::make_shared<MacroNamespace>();
      bool root = mc.package_name == m.project.name;
      for (const auto& [k, v] : load_library(text, m.display_path(mc.package_name, mc.original_file_path))) {
        ns->add(k, v);
        if (root) {
          env.add_global(k, v);
          project_macros.insert(k);
        } else {
          registry.layers[mc.package_name][k] = v;
        }
      }
    }
    if (!env.find_global("dbt")) env.add_global("dbt", Value::object(registry.internal));
    for (auto& [package, ns] : registry.packages)  // never hide a context name (a project named "target")
      if (!env.find_global(package)) env.add_global(package, Value::object(ns));
  }

  // `graph` (nodes, sources and exposures visible to macros) costs a dict per node, so it is
  // built only when some node or macro mentions it.
  void install_graph() {
    bool used = false;
    for (const auto& n : m.nodes) used = used || n.raw_code.find("graph") != std::string::npos;
    for (const auto& mc : m.macros) used = used || mc.macro_sql.find("graph") != std::string::npos;
    if (!used) return;
    // dbt's flat graph: a section per resource type; unit tests are not in it.
    Value nodes = Value::dict(), sources = Value::dict(), exposures = Value::dict(), metrics = Value::dict(),
          semantic_models = Value::dict(), saved_queries = Value::dict();
    for (const auto& n : m.nodes) {
      using RT = project::ResourceType;
      if (n.resource_type == RT::kUnitTest) continue;
      Value& section = n.resource_type == RT::kSource          ? sources
                       : n.resource_type == RT::kExposure      ? exposures
                       : n.resource_type == RT::kMetric        ? metrics
                       : n.resource_type == RT::kSemanticModel ? semantic_models
                       : n.resource_type == RT::kSavedQuery    ? saved_queries
                                                               : nodes;
      section.as_dict().set(Value(n.unique_id), node_value(n));
    }
    Value graph = Value::dict();
    graph.as_dict().set(Value("nodes"), nodes);
    graph.as_dict().set(Value("sources"), sources);
    graph.as_dict().set(Value("exposures"), exposures);
    graph.as_dict().set(Value("metrics"), metrics);
    graph.as_dict().set(Value("semantic_models"), semantic_models);
    graph.as_dict().set(Value("saved_queries"), saved_queries);
    env.add_global("graph", graph);
  }

  // Loads a file of macros; returns every macro it defines.
  std::vector<std::pair<std::string, Value>> load_library(const std::string& text, const std::string& name) {
    try {
      auto module = env.from_string(text, name)->load_module();
      auto macros = module->macros();
      modules.push_back(std::move(module));
      return macros;
    } catch (const jinja::TemplateError& e) {
      throw to_user_error(e, name);
    }
  }

  // Renders one node; `state` receives the calls it made.
  std::string render(Node& n, NodeRender& state, const std::shared_ptr<NodeRender>& holder) {
    Value vars = Value::dict();
    auto& v = vars.as_dict();
    v.set(Value("__pond__"), Value::object(holder));
    v.set(Value("this"), state.unit_test && state.unit_test->this_cte
                             ? cte_relation(*state.unit_test->this_cte)
                             : relation_of(n));
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
    // For render(string) while this render runs; dropped after, as the variables hold the state
    // itself (a reference cycle otherwise).
    state.vars = vars;
    state.layer = registry.layer_for(n.package_name);
    struct DropVars {
      NodeRender& s;
      ~DropVars() { s.vars = Value(); }
    } drop{state};
    if (n.test_metadata) v.set(Value("_dbt_generic_test_kwargs"), test_kwargs(n, vars, state.layer));
    if (state.unit_test && !state.unit_test->macros.empty())
      apply_macro_overrides(vars, state.unit_test->macros, registry, state.layer, env,
                            state.unit_test->where);
    try {
      if (n.language == "python")  // dbt parses Python with ast, not Jinja; refs come from the scan
        return state.parse ? n.raw_code
                           : python_model_code(n, env.from_string(python_model_template(n), display_path(n))
                                                      ->render(vars, state.layer));
      return (n.test_metadata ? cached_template(display_path(n), n.raw_code)
                              : env.from_string(n.raw_code, display_path(n)))
          ->render(vars, state.layer);
    } catch (const jinja::TemplateError& e) {
      throw to_user_error(e, display_path(n));
    } catch (const jinja::MacroReturn& r) {
      return r.value.str();
    }
  }

  std::string display_path(const Node& n) const {
    return m.display_path(n.package_name, n.original_file_path);
  }

  // A generic test's arguments as dbt's add_rendered_test_kwargs makes them: every string is
  // rendered natively (so `model`, "{{ get_where_subquery(ref('x')) }}", and `to: ref('y')` are
  // Relations), except column_name; strings that look like a call of ref/source/var/env_var/doc
  // are wrapped in {{ }} first. Lists and dicts are walked.
  Value test_kwargs(const Node& n, const Value& vars, const jinja::Globals* layer) {
    std::function<Value(const nlohmann::json&, bool)> convert = [&](const nlohmann::json& val,
                                                                    bool top_column) {
      if (val.is_object()) {
        Value d = Value::dict();
        for (const auto& [k, x] : val.items()) d.as_dict().set(Value(k), convert(x, false));
        return d;
      }
      if (val.is_array()) {
        std::vector<Value> items;
        for (const auto& x : val) items.push_back(convert(x, false));
        return Value::list(std::move(items));
      }
      if (!val.is_string() || top_column) return to_value(val);
      const std::string& s = val.get_ref<const std::string&>();
      try {
        if (auto name = where_subquery_ref(s)) {
          vars.as_dict().set(Value("__pond_kwarg_ref__"), Value(std::string(*name)));
          Value out = cached_template(display_path(n), "{{ get_where_subquery(ref(__pond_kwarg_ref__)) }}")
                          ->render_native(vars, layer);
          vars.as_dict().erase(Value("__pond_kwarg_ref__"));
          return out;
        }
        if (looks_like_call(s))
          return env.from_string("{{ " + s + " }}", display_path(n))->render_native(vars, layer);
        if (s.find("{{") == std::string::npos && s.find("{%") == std::string::npos) return Value(s);
        return env.from_string(s, display_path(n))->render_native(vars, layer);
      } catch (const jinja::TemplateError& e) {
        throw to_user_error(e, display_path(n));
      } catch (const jinja::MacroReturn& r) {
        return r.value;
      }
    };
    Value kwargs = Value::dict();
    for (const auto& [k, val] : n.test_metadata->kwargs.items())
      kwargs.as_dict().set(Value(k), convert(val, k == "column_name"));
    return kwargs;
  }

  // dbt's `^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$`.
  static bool looks_like_call(std::string_view s) {
    std::size_t i = s.find_first_not_of(" \t\n");
    if (i == std::string_view::npos) return false;
    std::size_t j = i;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
    std::string_view fn = s.substr(i, j - i);
    if (fn != "env_var" && fn != "ref" && fn != "var" && fn != "source" && fn != "doc") return false;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    std::size_t end = s.find_last_not_of(" \t\n");
    return j < s.size() && s[j] == '(' && end != std::string_view::npos && s[end] == ')' && end > j + 1;
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

  // A generic test's code is one of a handful of texts ("{{ test_not_null(**_dbt_generic_test_kwargs) }}"):
  // parsed once per file and text instead of once per test (20,000 parses in a 10,000-model project).
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
  // Throws the first error (by node order) once every node was tried; with `defer`, returns it.
  std::exception_ptr render_all(const std::vector<std::size_t>& nodes, bool parse,
                                std::vector<std::shared_ptr<NodeRender>>& states, bool defer = false) {
    states.assign(nodes.size(), nullptr);
    try {
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
    } catch (...) {
      if (!defer) throw;
      return std::current_exception();
    }
    return nullptr;
  }

  // Whether rendering `n` at parse time (execute = false) can find ref/source/config calls the
  // static scan did not: its calls have non-literal arguments, or it calls a macro that makes
  // such calls (through any depth of macros), or a name that is neither a macro nor a context
  // function (a macro only rendering can resolve). Otherwise the scan is the same answer and the
  // render is skipped (10,000 models that call a formatting macro parse without rendering).
  bool needs_parse_render(const Node& n) {
    if (n.needs_rendering) return true;
    for (const auto& c : n.unresolved_calls)
      if (!safe_call(c)) return true;
    for (const auto& id : n.depends_on_macros)
      if (records_calls(id, 0)) return true;
    return false;
  }

  // A called name that cannot record ref/source/config: a context function other than
  // render/try_or_compiler_error, one of dbt's built-in macros, a method of an object (this.x,
  // modules.datetime.x, adapter.x but dispatch, config.get), or a macro's caller/varargs.
  bool safe_call(const std::string& name) const {
    if (auto dot = name.find('.'); dot != std::string::npos) {
      std::string first = name.substr(0, dot), rest = name.substr(dot + 1);
      if (first == "adapter") return rest != "dispatch";
      if (first == "config") return rest == "get" || rest == "require";
      if (first == "builtins") return rest != "ref" && rest != "source" && rest != "config";
      if (first == "dbt" || first == "dbt_duckdb") return registry.internal->find(rest) != nullptr;
      return registry.packages.find(first) == registry.packages.end();
    }
    if (name == "caller" || name == "varargs" || name == "kwargs") return true;
    if (name == "render" || name == "try_or_compiler_error") return false;
    if (registry.internal->find(name)) return true;
    const Value* g = env.find_global(name);
    return g && g->is_callable() && !jinja::is_macro(*g);
  }

  bool records_calls(const std::string& macro_id, int depth) {
    if (depth > 64) return true;
    {
      std::lock_guard lock(purity_mutex);
      if (auto it = purity.find(macro_id); it != purity.end()) return it->second;
    }
    const project::Macro* mc = m.find_macro(macro_id);
    bool records = false;
    if (mc) {
      records = mc->records_calls;
      for (const auto& c : mc->unresolved_calls) records = records || !safe_call(c);
      for (const auto& id : mc->depends_on_macros)
        records = records || (id != macro_id && records_calls(id, depth + 1));
    }
    std::lock_guard lock(purity_mutex);
    purity[macro_id] = records;
    return records;
  }
  std::mutex purity_mutex;
  std::unordered_map<std::string, bool> purity;

  // Nodes that config(enabled=...) disabled while rendering move to the disabled list, with
  // the tests of them; a node that still refers to one fails as at load.
  void move_disabled() {
    std::set<std::string> gone;
    for (const auto& n : m.nodes)
      if (!n.is_enabled()) gone.insert(n.unique_id);
    for (auto& n : m.nodes)
      if (n.resource_type == project::ResourceType::kTest ||
          n.resource_type == project::ResourceType::kUnitTest)
        for (const auto& d : n.depends_on_nodes)
          if (gone.count(d)) {
            n.config["enabled"] = false;
            gone.insert(n.unique_id);
          }
    std::vector<Node> kept;
    for (auto& n : m.nodes) (gone.count(n.unique_id) ? m.disabled : kept).push_back(std::move(n));
    m.nodes = std::move(kept);
    m.rebuild_index();
    for (auto& n : m.nodes)
      for (const auto& d : n.depends_on_nodes)
        if (gone.count(d)) {
          std::vector<std::string> macro_ids = n.depends_on_macros;
          project::resolve_node_dependencies(m, n);  // throws: it refers to a disabled node
          n.depends_on_macros = macro_ids;
        }
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
      if (project::is_definition_only(n.resource_type)) continue;
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
  std::vector<std::size_t> rendered;
  for (std::size_t i = 0; i < m.nodes.size(); ++i)
    if (impl_->needs_parse_render(m.nodes[i])) rendered.push_back(i);
  if (!rendered.empty()) {
    std::vector<std::shared_ptr<NodeRender>> states;
    impl_->render_all(rendered, true, states);
    bool disabled_any = false;
    for (std::size_t k = 0; k < rendered.size(); ++k) {
      Node& n = m.nodes[rendered[k]];
      n.refs = states[k]->refs;
      n.sources = states[k]->sources;
      // config() calls with literal arguments were applied when the file was read; the rest
      // (rendered values, and a test macro's config(), which wins over the YAML) go on top.
      nlohmann::json scanned = project::normalize_config(n.unrendered_config);
      nlohmann::json calls = project::normalize_config(states[k]->config_calls);
      for (auto it = calls.begin(); it != calls.end();)
        it = scanned.contains(it.key()) && scanned[it.key()] == it.value() ? calls.erase(it) : std::next(it);
      project::merge_config(n.config, calls);
      disabled_any = disabled_any || !n.is_enabled();
      std::vector<std::string> macro_ids = n.depends_on_macros;
      project::resolve_node_dependencies(m, n);
      n.depends_on_macros = macro_ids;
    }
    if (disabled_any) impl_->move_disabled();
    project::check_acyclic(m, project::Graph(m));
  }
  impl_->apply_naming_overrides();
}

void Compiler::compile_nodes(const std::vector<std::size_t>& nodes) {
  auto& m = impl_->m;
  std::vector<std::size_t> todo;
  for (std::size_t i : nodes) {
    auto t = m.nodes[i].resource_type;
    if (project::is_definition_only(t) || t == project::ResourceType::kSeed) continue;
    todo.push_back(i);
  }
  std::vector<std::shared_ptr<NodeRender>> states;
  // A node that fails leaves the others compiled, with their ephemeral CTEs injected; the
  // first error is thrown at the end.
  std::exception_ptr failed = impl_->render_all(todo, false, states, true);
  // Ephemeral models: compile those used (recursively), then inject them as CTEs.
  std::map<std::size_t, std::vector<std::size_t>> uses;
  for (std::size_t k = 0; k < todo.size(); ++k)
    if (m.nodes[todo[k]].compiled) uses[todo[k]] = states[k]->ephemerals;
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
  if (failed) std::rethrow_exception(failed);
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

std::string Compiler::compile_unit_test(std::size_t node, const UnitTestRender& test) {
  Node& n = impl_->m.nodes.at(node);
  auto state = std::make_shared<NodeRender>();
  state->node = &n;
  state->unit_test = test;
  std::string out = impl_->render(n, *state, state);
  std::vector<std::pair<std::string, std::string>> ctes = test.ctes;
  std::set<std::size_t> seen;
  for (std::size_t e : state->ephemerals) {
    if (!seen.insert(e).second) continue;
    const Node& eph = impl_->m.nodes[e];
    if (!eph.compiled)
      throw UserError(n.original_file_path + ": the ephemeral model '" + eph.name + "' was not compiled");
    ctes.emplace_back("__dbt__cte__" + eph.name, eph.compiled_code);
  }
  return inject_ctes(out, ctes);
}

std::string Compiler::render_hook(std::size_t node, std::string_view sql) {
  Node& n = impl_->m.nodes.at(node);
  auto state = std::make_shared<NodeRender>();
  state->node = &n;
  Value vars = Value::dict();
  auto& v = vars.as_dict();
  v.set(Value("__pond__"), Value::object(state));
  v.set(Value("this"), relation_of(n));
  v.set(Value("model"), node_value(n));
  state->vars = vars;
  state->layer = impl_->registry.layer_for(n.package_name);
  struct DropVars {
    NodeRender& s;
    ~DropVars() { s.vars = Value(); }
  } drop{*state};
  std::string where = impl_->display_path(n) + " (hook)";
  try {
    return impl_->env.from_string(sql, where)->render(vars, state->layer);
  } catch (const jinja::TemplateError& e) {
    throw to_user_error(e, where);
  } catch (const jinja::MacroReturn& r) {
    return r.value.str();
  }
}

void Compiler::set_defer(DeferTargets targets) {
  impl_->data.options.defer = std::make_shared<const DeferTargets>(std::move(targets));
}

std::string Compiler::render_run_hook(std::string_view sql, std::string_view where,
                                      const std::vector<RunHookResult>* results) {
  auto state = std::make_shared<NodeRender>();
  Value vars = Value::dict();
  auto& v = vars.as_dict();
  v.set(Value("__pond__"), Value::object(state));
  if (results) {
    std::vector<Value> list;
    std::set<std::pair<std::string, std::string>> database_schemas;
    for (const auto& r : *results) {
      const Node* n = nullptr;
      if (auto i = impl_->m.index_of(r.unique_id)) n = &impl_->m.nodes[*i];
      Value adapter = Value::dict();
      if (r.rows_affected) {
        adapter.as_dict().set(Value("rows_affected"), Value(static_cast<std::int64_t>(*r.rows_affected)));
        adapter.as_dict().set(Value("_message"), Value("OK " + std::to_string(*r.rows_affected)));
      }
      Value node = n ? node_value(*n)
                     : make_dict({{"unique_id", Value(r.unique_id)},
                                  {"resource_type", Value(r.unique_id.substr(0, r.unique_id.find('.')))}});
      list.push_back(
          make_dict({{"status", Value(r.status)},
                     {"message", r.message.empty() ? Value::none() : Value(r.message)},
                     {"execution_time", Value(r.execution_time)},
                     {"thread_id", r.thread ? Value("Thread-" + std::to_string(r.thread)) : Value::none()},
                     {"failures", r.failures ? Value(*r.failures) : Value::none()},
                     {"adapter_response", adapter},
                     {"timing", Value::list()},
                     {"node", node}}));
      // dbt: the schemas of relations the run built (not of failed or skipped nodes).
      bool relational =
          n && n->resource_type != project::ResourceType::kTest && n->materialized() != "ephemeral";
      if (relational && r.status != "error" && r.status != "fail" && r.status != "skipped")
        database_schemas.emplace(n->database, n->schema);
    }
    std::vector<Value> schemas, pairs;
    std::set<std::string> seen;
    for (const auto& [db, schema] : database_schemas) {
      pairs.push_back(Value::tuple({Value(db), Value(schema)}));
      if (seen.insert(schema).second) schemas.push_back(Value(schema));
    }
    v.set(Value("results"), Value::list(std::move(list)));
    v.set(Value("schemas"), Value::list(std::move(schemas)));
    v.set(Value("database_schemas"), Value::list(std::move(pairs)));
  }
  state->vars = vars;
  struct DropVars {
    NodeRender& s;
    ~DropVars() { s.vars = Value(); }
  } drop{*state};
  try {
    return impl_->env.from_string(sql, std::string(where))->render(vars);
  } catch (const jinja::TemplateError& e) {
    throw to_user_error(e, std::string(where));
  } catch (const jinja::MacroReturn& r) {
    return r.value.str();
  }
}

std::string Compiler::compile_inline(std::string_view sql) {
  auto state = std::make_shared<NodeRender>();
  Value vars = Value::dict();
  vars.as_dict().set(Value("__pond__"), Value::object(state));
  std::string out;
  try {
    out = impl_->env.from_string(sql, "--inline")->render(vars);
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
