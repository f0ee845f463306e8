#include "compile/context.hpp"

#include <cctype>
#include <cstdlib>

#include "common/error.hpp"
#include "common/log.hpp"
#include "compile/adapter.hpp"
#include "compile/base_context.hpp"
#include "compile/column_value.hpp"
#include "compile/dispatch.hpp"
#include "compile/modules.hpp"
#include "compile/relation_value.hpp"
#include "compile/statements.hpp"
#include "compile/values.hpp"
#include "jinja/error.hpp"
#include "project/config.hpp"
#include "project/relation.hpp"
#include "project/vars.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;
using project::Node;

namespace {

// `config` in templates: callable (records config() calls) with get/require/set methods.
class ConfigObject final : public jinja::NativeObject {
 public:
  bool callable() const override { return true; }
  Value call(CallArgs& args) override {
    NodeRender& r = render_of(args);
    for (const auto& [k, v] : args.kwargs) r.config_calls[k] = to_json(v);
    if (!args.args.empty() && args.args[0].is_dict())
      for (const auto& [k, v] : args.args[0].as_dict().entries()) r.config_calls[k.str()] = to_json(v);
    return Value("");
  }
  bool has_method(std::string_view name) const override {
    return name == "get" || name == "require" || name == "set" || name == "persist_relation_docs" ||
           name == "persist_column_docs";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    NodeRender& r = render_of(args);
    if (name == "persist_relation_docs" || name == "persist_column_docs") {
      const nlohmann::json* pd = find(r, "persist_docs");
      const char* key = name == "persist_relation_docs" ? "relation" : "columns";
      result = Value(pd && pd->is_object() && pd->value(key, false));
      return true;
    }
    std::string key = arg_str(args, 0, "name");
    if (name == "set") {
      r.config_calls[key] = to_json(args.get(1, "value"));
      result = Value("");
      return true;
    }
    const nlohmann::json* found = find(r, key);
    if (name == "require") {
      if (!found)
        compiler_error("Required config '" + key + "' was not set" +
                       (r.node ? " for " + std::string(project::to_string(r.node->resource_type)) + " '" +
                                     r.node->name + "'"
                               : std::string()));
      result = to_value(*found);
      return true;
    }
    result = found ? to_value(*found) : args.get(1, "default", Value::none());
    return true;
  }
  std::string type_name() const override { return "config"; }

 public:
  static const nlohmann::json* find(NodeRender& r, const std::string& key) {
    if (auto it = r.config_calls.find(key); it != r.config_calls.end()) return &*it;
    if (r.node)
      if (const nlohmann::json* v = r.node->config_value(key); v && !v->is_null()) return v;
    return nullptr;
  }
};

// `exceptions`: dbt's functions that raise (or warn) from templates.
class ExceptionsObject final : public jinja::NativeObject {
 public:
  bool has_method(std::string_view name) const override {
    static constexpr std::string_view kNames[] = {"warn",
                                                  "raise_compiler_error",
                                                  "raise_not_implemented",
                                                  "raise_database_error",
                                                  "raise_dependency_error",
                                                  "raise_fail_fast_error",
                                                  "raise_contract_error",
                                                  "missing_config",
                                                  "missing_materialization",
                                                  "missing_relation",
                                                  "relation_wrong_type",
                                                  "column_type_missing",
                                                  "raise_ambiguous_alias",
                                                  "raise_ambiguous_catalog_match",
                                                  "raise_cache_inconsistent",
                                                  "raise_dataclass_not_dict",
                                                  "raise_dep_not_found",
                                                  "raise_duplicate_patch_name",
                                                  "raise_duplicate_resource_name",
                                                  "raise_invalid_property_yml_version",
                                                  "warn_snapshot_timestamp_data_types"};
    return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    result = Value("");
    if (name == "warn") {
      // dbt's warn_or_error(JinjaLogWarning): with --warn-error the render fails.
      if (log::options().warn_error.promotes("JinjaLogWarning"))
        throw UserError("Compilation Error\n  " + arg_str(args, 0, "msg") + " (--warn-error)");
      log::warn_event("JinjaLogWarning", "{}", arg_str(args, 0, "msg"));
      return true;
    }
    if (name == "warn_snapshot_timestamp_data_types") {
      log::warn(
          "Data type of snapshot table timestamp columns ({}) doesn't match derived column 'updated_at' ({})",
          arg_str(args, 0, "snapshot_time_data_type"), arg_str(args, 1, "updated_at_data_type"));
      return true;
    }
    if (name == "raise_not_implemented") {
      throw jinja::TemplateError(jinja::ErrorKind::kRuntime, "Not implemented: " + arg_str(args, 0, "msg"));
    }
    if (name == "missing_relation")
      compiler_error("Relation " + args.get(0, "relation").str() + " not found!");
    if (name == "relation_wrong_type") {
      Value rel = args.get(0, "relation");
      compiler_error("Trying to create " + arg_str(args, 1, "expected_type") + " " + rel.str() +
                     ", but it currently exists as a " + rel.as_object()->get_attr("type").str() +
                     ". Either drop " + rel.str() +
                     " manually, or run dbt with `--full-refresh` and dbt will drop it for you.");
    }
    if (name == "column_type_missing") {
      compiler_error(
          "Contracted models require data_type to be defined for each column. Please ensure that the "
          "column(s) " +
          args.get(0, "column_names").str() + " have a data_type defined.");
    }
    if (name == "missing_config")
      compiler_error("Model '" + args.get(0, "model").str() +
                     "' does not define a required config parameter '" + arg_str(args, 1, "name") + "'.");
    if (name == "missing_materialization")
      compiler_error("No materialization was found for adapter " + arg_str(args, 1, "adapter_type"));
    compiler_error(arg_str(args, 0, "msg"));
  }
  std::string type_name() const override { return "exceptions"; }
};

// `validation.any[...]`: a validator config.get() accepts (dbt's materializations pass them).
class ValidationObject final : public jinja::NativeObject {
 public:
  Value get_attr(std::string_view name) const override {
    if (name == "any") return Value::object(std::make_shared<ValidationObject>());
    return Value::undefined();
  }
  Value get_item(const Value&) const override {
    return Value::function("validator", [](CallArgs&) { return Value::none(); });
  }
  std::string type_name() const override { return "validation"; }
};

// dbt's relation of a node, with the render-time changes: --empty reads no rows (limit 0), a
// microbatch batch reads only its window of an upstream with an event_time config.
Value relation_for_read(const Node& n, const NodeRender& r, bool empty) {
  Value rel = relation_of(n);
  RelationParts p = *relation_parts(rel);
  if (p.type == std::optional<std::string>("cte")) return rel;
  if (empty) {
    p.limit = 0;
    return RelationValue::make(std::move(p));
  }
  if (!r.batch) return rel;
  const nlohmann::json* et = n.config_value("event_time");
  if (!et || !et->is_string() || et->get_ref<const std::string&>().empty()) return rel;
  // A plain column name is quoted; anything else (an expression) is used as written.
  const std::string& col = et->get_ref<const std::string&>();
  bool plain = !std::isdigit(static_cast<unsigned char>(col[0]));
  for (char c : col) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  std::string field = plain ? quote_identifier(col) : col;
  p.event_time_filter =
      field + " >= TIMESTAMP '" + r.batch->start + "' and " + field + " < TIMESTAMP '" + r.batch->end + "'";
  return RelationValue::make(std::move(p));
}

Value find_ref(ContextData& data, CallArgs& args) {
  NodeRender& r = render_of(args);
  std::string package, name;
  if (args.args.size() >= 2) {
    package = args.args[0].str();
    name = args.args[1].str();
  } else {
    name = arg_str(args, 0, "name");
  }
  if (r.parse) {
    r.refs.push_back(project::RefCall{package, name, 0});
    return RelationValue::make("", "", name);
  }
  const std::string from = r.node ? r.node->package_name : data.manifest.project.name;
  const Node* target = data.manifest.resolve_ref(package, name, from);
  if (!target) compiler_error("ref('" + name + "') was not found in the project");
  if (r.unit_test)
    if (auto it = r.unit_test->fixtures.find(target->unique_id); it != r.unit_test->fixtures.end())
      return cte_relation(it->second);
  if (target->materialized() == "ephemeral")
    if (auto idx = data.manifest.index_of(target->unique_id)) r.ephemerals.push_back(*idx);
  if (const DeferTargets* d = data.options.defer.get();
      d && target->materialized() != "ephemeral" && !d->selected.count(target->unique_id)) {
    auto it = d->relations.find(target->unique_id);
    if (it != d->relations.end() &&
        (d->favor_state || !data.hooks ||
         !data.hooks->relation_type(target->database, target->schema, target->alias)))
      return RelationValue::make(it->second.database, it->second.schema, it->second.identifier);
  }
  return relation_for_read(*target, r, data.options.empty);
}

Value find_source(ContextData& data, CallArgs& args) {
  NodeRender& r = render_of(args);
  std::string source = arg_str(args, 0, "source_name"), table = arg_str(args, 1, "table_name");
  if (r.parse) {
    r.sources.push_back(project::SourceCall{source, table, 0});
    return RelationValue::make("", source, table);
  }
  const Node* target = data.manifest.resolve_source(source, table);
  if (!target) compiler_error("source('" + source + "', '" + table + "') was not found in the project");
  if (r.unit_test)
    if (auto it = r.unit_test->fixtures.find(target->unique_id); it != r.unit_test->fixtures.end())
      return cte_relation(it->second);
  return relation_for_read(*target, r, data.options.empty);
}

}  // namespace

NodeRender& render_of(CallArgs& args) {
  static thread_local NodeRender fallback;
  if (args.render) {
    Value v = args.render->lookup("__pond__");
    if (v.is_object())
      if (auto* r = dynamic_cast<NodeRender*>(v.as_object())) return *r;
  }
  fallback = NodeRender();
  return fallback;
}

Value cte_relation(const std::string& name) {
  RelationParts p;
  p.identifier = name;
  p.type = "cte";
  p.quote_policy.identifier = false;
  return RelationValue::make(std::move(p));
}

Value relation_of(const Node& n) {
  if (n.materialized() == "ephemeral") return cte_relation("__dbt__cte__" + n.name);
  if (n.resource_type == project::ResourceType::kSource) {
    Value rel = RelationValue::make(n.database, n.schema, n.identifier, "table", n.quoting);
    // dbt-duckdb's external_location replaced the relation name by a file scan.
    if (n.relation_name != project::render_relation(n.database, n.schema, n.identifier, n.quoting)) {
      RelationParts p = *relation_parts(rel);
      p.external = n.relation_name;
      return RelationValue::make(std::move(p));
    }
    return rel;
  }
  return RelationValue::make(n.database, n.schema, n.alias, n.materialized() == "view" ? "view" : "table",
                             n.quoting);
}

namespace {

Value string_list(const std::vector<std::string>& items) {
  std::vector<Value> out;
  out.reserve(items.size());
  for (const auto& s : items) out.emplace_back(s);
  return Value::list(std::move(out));
}

// The node's config over its resource type's defaults, in key order: Node::full_config() as a
// Value without building the merged JSON first (a generic test's `model` is built per test).
Value config_value_of(const Node& n) {
  const nlohmann::json& defaults = project::shared_default_config(n.resource_type);
  Value d = Value::dict();
  auto& out = d.as_dict();
  auto own = n.config.begin(), own_end = n.config.end();
  auto def = defaults.begin(), def_end = defaults.end();
  while (own != own_end || def != def_end) {
    if (def == def_end || (own != own_end && own.key() <= def.key())) {
      if (def != def_end && own.key() == def.key()) ++def;
      out.set(Value(own.key()), to_value(own.value()));
      ++own;
    } else {
      out.set(Value(def.key()), to_value(def.value()));
      ++def;
    }
  }
  return d;
}

}  // namespace

Value node_value(const Node& n) {
  Value d = Value::dict();
  auto& m = d.as_dict();
  m.set(Value("unique_id"), Value(n.unique_id));
  m.set(Value("name"), Value(n.name));
  m.set(Value("resource_type"), Value(std::string(project::to_string(n.resource_type))));
  m.set(Value("package_name"), Value(n.package_name));
  m.set(Value("original_file_path"), Value(n.original_file_path));
  m.set(Value("path"), Value(n.path));
  m.set(Value("alias"), Value(n.alias));
  m.set(Value("schema"), Value(n.schema));
  m.set(Value("database"), Value(n.database));
  m.set(Value("relation_name"), n.relation_name.empty() ? Value::none() : Value(n.relation_name));
  m.set(Value("fqn"), string_list(n.fqn));
  m.set(Value("tags"), string_list(n.tags));
  m.set(Value("config"), config_value_of(n));
  m.set(Value("meta"), to_value(n.meta));
  m.set(Value("description"), Value(n.description));
  m.set(Value("raw_code"), Value(n.raw_code));
  m.set(Value("language"), Value(n.language));
  Value deps = Value::dict();
  deps.as_dict().set(Value("nodes"), string_list(n.depends_on_nodes));
  deps.as_dict().set(Value("macros"), string_list(n.depends_on_macros));
  m.set(Value("depends_on"), deps);
  Value columns = Value::dict();
  for (const auto& c : n.columns)
    columns.as_dict().set(Value(c.name),
                          make_dict({{"name", Value(c.name)},
                                     {"description", Value(c.description)},
                                     {"data_type", c.data_type.empty() ? Value::none() : Value(c.data_type)},
                                     {"meta", to_value(c.meta)},
                                     {"tags", string_list(c.tags)}}));
  m.set(Value("columns"), columns);
  if (n.resource_type == project::ResourceType::kSource) {
    m.set(Value("source_name"), Value(n.source_name));
    m.set(Value("identifier"), Value(n.identifier));
  }
  if (n.test_metadata) {
    m.set(Value("column_name"), n.column_name.empty() ? Value::none() : Value(n.column_name));
    m.set(Value("test_metadata"),
          make_dict({{"name", Value(n.test_metadata->name)},
                     {"namespace", n.test_metadata->namespace_.empty() ? Value::none()
                                                                       : Value(n.test_metadata->namespace_)},
                     {"kwargs", to_value(n.test_metadata->kwargs)}}));
    m.set(Value("attached_node"), n.attached_node.empty() ? Value::none() : Value(n.attached_node));
  }
  return d;
}

void install_context(jinja::Environment& env, ContextData& data) {
  const project::Manifest& m = data.manifest;
  install_base_context(env, {data.options.invocation_id, data.options.run_started_at});
  env.add_function("env_var", [](CallArgs& a) {
    NodeRender& r = render_of(a);
    if (r.unit_test) {  // a unit test's overrides: env_vars come first, as in dbt
      std::string name = arg_str(a, 0, "var");
      if (auto it = r.unit_test->env_vars.find(name); it != r.unit_test->env_vars.end())
        return Value(it->is_string() ? it->get<std::string>() : it->dump());
    }
    return env_var(a);
  });
  env.add_function("ref", [&data](CallArgs& a) { return find_ref(data, a); });
  env.add_function("source", [&data](CallArgs& a) { return find_source(data, a); });
  env.add_function("var", [&data](CallArgs& a) {
    std::string name = arg_str(a, 0, "name");
    NodeRender& r = render_of(a);
    const std::string pkg = r.node ? r.node->package_name : data.manifest.project.name;
    if (r.unit_test && r.unit_test->vars.contains(name)) return to_value(r.unit_test->vars[name]);
    if (const nlohmann::json* v = project::lookup_var(data.manifest, pkg, name)) return to_value(*v);
    if (a.args.size() > 1 || a.kwarg("default")) return a.get(1, "default");
    compiler_error("Required var '" + name + "' not found in config:\nVars supplied to " +
                   (r.node ? r.node->name : std::string("<Configuration>")) + " = {}");
  });
  env.add_function("is_incremental", [&data](CallArgs& a) {
    NodeRender& r = render_of(a);
    if (r.unit_test) return Value(r.unit_test->is_incremental);  // false unless overridden, as dbt
    if (!r.node || r.parse || data.options.full_refresh) return Value(false);
    if (r.node->materialized() != "incremental") return Value(false);
    return Value(data.hooks->is_incremental(*r.node));
  });
  env.add_function("doc", [&data](CallArgs& a) {
    std::string name = arg_str(a, 0, "name");
    for (const auto& d : data.manifest.docs)
      if (d.name == name) return Value(d.block_contents);
    compiler_error("doc('" + name + "') was not found");
  });
  // try_or_compiler_error(message_if_exception, func, *args, **kwargs)
  env.add_function("try_or_compiler_error", [](CallArgs& a) {
    if (a.args.size() < 2) compiler_error("try_or_compiler_error() needs a message and a function");
    CallArgs inner;
    inner.args.assign(a.args.begin() + 2, a.args.end());
    inner.kwargs = a.kwargs;
    inner.render = a.render;
    try {
      return a.render->call(a.args[1], inner);
    } catch (const jinja::TemplateError&) {
      compiler_error(a.args[0].str());
    }
  });
  // dbt's get_where_subquery (dispatched on 'dbt', so a project's default__/duckdb__ version
  // wins) and its default: the relation itself, or `(select * from r where <where>) dbt_subquery`
  // when the test has a `where` config. Native because every generic test calls it, and a Jinja
  // macro would return() its Relation through an exception per test.
  env.add_function("default__get_where_subquery", [](CallArgs& a) {
    Value relation = a.get(0, "relation");
    NodeRender& r = render_of(a);
    const nlohmann::json* where = ConfigObject::find(r, "where");
    if (!where || where->is_null() || (where->is_string() && where->get_ref<const std::string&>().empty()) ||
        (where->is_boolean() && !where->get<bool>()))
      return relation;
    std::string text = where->is_string() ? where->get<std::string>() : where->dump();
    return Value("(select * from " + relation.str() + " where " + text + ") dbt_subquery");
  });
  env.add_function("get_where_subquery", [&data](CallArgs& a) {
    Value fn = dispatch_macro(data.manifest, *data.macros, *a.render, "get_where_subquery", "dbt");
    CallArgs inner;
    inner.args.push_back(a.get(0, "relation"));
    inner.render = a.render;
    return a.render->call(fn, inner);
  });
  // render(string): the text rendered in the calling node's context.
  env.add_function("render", [&data](CallArgs& a) {
    NodeRender& r = render_of(a);
    std::string text = arg_str(a, 0, "string");
    return Value(data.env->from_string(text, "render")->render(r.vars, r.layer));
  });
  install_statements(env, data);
  env.add_global("config", Value::object(std::make_shared<ConfigObject>()));
  env.add_global("adapter", make_adapter(data));
  env.add_global("exceptions", Value::object(std::make_shared<ExceptionsObject>()));
  env.add_global("validation", Value::object(std::make_shared<ValidationObject>()));
  env.add_global("api", make_dict({{"Relation", relation_class()}, {"Column", column_class()}}));
  env.add_global("column", column_class());
  env.add_global("execute", Value(true));
  env.add_global("project_name", Value(m.project.name));
  env.add_global("database", Value(m.target.database));
  env.add_global("schema", Value(m.target.schema));
  Value target = make_dict({{"name", Value(m.target.name)},
                            {"target_name", Value(m.target.name)},
                            {"profile_name", Value(m.target.profile_name)},
                            {"type", Value(m.target.type)},
                            {"schema", Value(m.target.schema)},
                            {"database", Value(m.target.database)},
                            {"threads", Value(static_cast<std::int64_t>(m.target.threads))}});
  if (!m.target.path.empty()) target.as_dict().set(Value("path"), Value(m.target.path));
  for (const auto& [k, v] : m.target.extra)
    if (!target.as_dict().find_str(k)) target.as_dict().set(Value(k), Value(v));
  env.add_global("target", target);
  env.add_global("flags", make_dict({{"FULL_REFRESH", Value(data.options.full_refresh)},
                                     {"WHICH", Value(data.options.which)},
                                     {"STORE_FAILURES", Value(data.options.store_failures)},
                                     {"EMPTY", Value(data.options.empty)},
                                     {"WARN_ERROR", Value(false)},
                                     {"FAIL_FAST", Value(data.options.fail_fast)},
                                     {"DEBUG", Value(false)},
                                     {"PRINT", Value(true)},
                                     {"INTROSPECT", Value(true)}}));
  // `builtins`: the context's own functions, reachable when a project macro overrides one of
  // their names (`{% macro ref(name) %}{{ return(builtins.ref(name)) }}{% endmacro %}`).
  Value builtins = Value::dict();
  for (const char* name : {"ref", "source", "config", "var", "env_var", "is_incremental", "adapter", "log",
                           "return", "run_query", "statement", "exceptions", "api", "modules", "doc"})
    if (const Value* v = env.find_global(name)) builtins.as_dict().set(Value(name), *v);
  env.add_global("builtins", builtins);
}

}  // namespace pond::compile
