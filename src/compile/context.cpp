#include "compile/context.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>

#include "common/error.hpp"
#include "common/log.hpp"
#include "compile/dispatch.hpp"
#include "compile/modules.hpp"
#include "compile/relation_value.hpp"
#include "compile/statements.hpp"
#include "compile/values.hpp"
#include "jinja/error.hpp"
#include "project/config.hpp"
#include "project/relation.hpp"
#include "project/vars.hpp"
#include "project/yaml_json.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;
using project::Node;

namespace {

[[noreturn]] void compiler_error(const std::string& message) {
  throw jinja::TemplateError(jinja::ErrorKind::kRuntime, message);
}

std::string arg_str(CallArgs& args, std::size_t i, std::string_view name) {
  Value v = args.get(i, name);
  if (v.is_undefined() || v.is_none()) return {};
  return v.str();
}

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
    return name == "get" || name == "require" || name == "set";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    NodeRender& r = render_of(args);
    std::string key = arg_str(args, 0, "name");
    if (name == "set") {
      r.config_calls[key] = to_json(args.get(1, "value"));
      result = Value("");
      return true;
    }
    const nlohmann::json* found = nullptr;
    if (auto it = r.config_calls.find(key); it != r.config_calls.end()) found = &*it;
    if (!found && r.node)
      if (const nlohmann::json* v = r.node->config_value(key); v && !v->is_null()) found = v;
    if (name == "require") {
      if (!found) compiler_error("config '" + key + "' is required but not set");
      result = to_value(*found);
      return true;
    }
    result = found ? to_value(*found) : args.get(1, "default", Value::none());
    return true;
  }
  std::string type_name() const override { return "config"; }
};

// `adapter`: quoting, dispatch, and the introspection the executor answers.
class AdapterObject final : public jinja::NativeObject {
 public:
  explicit AdapterObject(ContextData& data) : data_(data) {}
  bool has_method(std::string_view name) const override {
    return name == "quote" || name == "dispatch" || name == "get_relation" ||
           name == "get_columns_in_relation" || name == "type" || name == "quote_as_configured";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    if (name == "quote_as_configured") {  // quoted only when the project's `quoting:` says so
      std::string key = arg_str(args, 1, "quote_key");
      const nlohmann::json& q = data_.manifest.project.quoting;
      if (q.is_object() && q.contains(key) && q[key].is_boolean() && !q[key].get<bool>()) {
        result = Value(arg_str(args, 0, "identifier"));
        return true;
      }
    }
    if (name == "quote" || name == "quote_as_configured") {
      std::string s = arg_str(args, 0, "identifier");
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      result = Value(q + "\"");
      return true;
    }
    if (name == "type") {
      result = Value("duckdb");
      return true;
    }
    if (name == "dispatch") {
      std::string macro = arg_str(args, 0, "macro_name");
      std::string ns = arg_str(args, 1, "macro_namespace");
      result = dispatch_macro(data_.manifest, *args.render, macro, ns);
      return true;
    }
    ExecutionHooks& h = *data_.hooks;
    if (name == "get_relation") {
      std::string db = arg_str(args, 0, "database"), schema = arg_str(args, 1, "schema"),
                  id = arg_str(args, 2, "identifier");
      auto type = h.relation_type(db, schema, id);
      result = type ? RelationValue::make(db, schema, id, {}, *type) : Value::none();
      return true;
    }
    if (name == "get_columns_in_relation") {
      Value rel = args.get(0, "relation");
      std::vector<Value> cols;
      if (rel.is_object()) {
        auto* r = rel.as_object();
        for (const auto& c : h.columns(r->get_attr("database").str(), r->get_attr("schema").str(),
                                       r->get_attr("identifier").str())) {
          Value d = Value::dict();
          d.as_dict().set(Value("name"), Value(c.name));
          d.as_dict().set(Value("column"), Value(c.name));
          d.as_dict().set(Value("data_type"), Value(c.data_type));
          d.as_dict().set(Value("dtype"), Value(c.data_type));
          cols.push_back(d);
        }
      }
      result = Value::list(std::move(cols));
      return true;
    }
    return false;
  }
  std::string type_name() const override { return "adapter"; }

 private:
  ContextData& data_;
};

// `exceptions.raise_compiler_error(msg)` / `exceptions.warn(msg)`.
class ExceptionsObject final : public jinja::NativeObject {
 public:
  bool has_method(std::string_view name) const override {
    return name == "raise_compiler_error" || name == "warn" || name == "raise_not_implemented";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    std::string msg = arg_str(args, 0, "msg");
    if (name == "warn") {
      log::warn("{}", msg);
      result = Value("");
      return true;
    }
    compiler_error(msg);
  }
};

// --empty: the relation as dbt's render_limited() prints it with limit 0; its parts stay readable.
Value empty_relation_of(const Node& n) {
  bool source = n.resource_type == project::ResourceType::kSource;
  std::string rendered = "(select * from " + relation_of(n).as_object()->str() + " where false limit 0)";
  return RelationValue::make(n.database, n.schema, source ? n.identifier : n.alias, rendered,
                             n.materialized() == "view" ? "view" : "table");
}

// A microbatch batch: an upstream with an event_time config renders as its rows of the batch
// window, as dbt's event_time_filter does. A plain column name is quoted; anything else (an
// expression) is used as written.
std::optional<Value> batch_relation_of(const Node& n, const NodeRender& r) {
  if (!r.batch || n.materialized() == "ephemeral") return std::nullopt;
  const nlohmann::json* et = n.config_value("event_time");
  if (!et || !et->is_string() || et->get_ref<const std::string&>().empty()) return std::nullopt;
  const std::string& col = et->get_ref<const std::string&>();
  bool plain = !std::isdigit(static_cast<unsigned char>(col[0]));
  for (char c : col) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  std::string field = plain ? quote_identifier(col) : col;
  Value plain_rel = relation_of(n);
  std::string rendered = "(select * from " + plain_rel.as_object()->str() + " where " + field +
                         " >= TIMESTAMP '" + r.batch->start + "' and " + field + " < TIMESTAMP '" +
                         r.batch->end + "')";
  return RelationValue::make(n.database, n.schema,
                             n.resource_type == project::ResourceType::kSource ? n.identifier : n.alias,
                             rendered, n.materialized() == "view" ? "view" : "table");
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
  if (target->materialized() == "ephemeral") {
    if (auto idx = data.manifest.index_of(target->unique_id)) r.ephemerals.push_back(*idx);
    return relation_of(*target);  // a CTE: its own refs are the ones limited
  }
  if (auto batch = batch_relation_of(*target, r); batch && !data.options.empty) return *batch;
  return data.options.empty ? empty_relation_of(*target) : relation_of(*target);
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
  if (auto batch = batch_relation_of(*target, r); batch && !data.options.empty) return *batch;
  return data.options.empty ? empty_relation_of(*target) : relation_of(*target);
}

Value yaml_to_value(const YAML::Node& n) {
  return to_value(project::yaml_to_json(n));
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

Value relation_of(const Node& n) {
  if (n.materialized() == "ephemeral")
    return RelationValue::make("", "", n.name, "__dbt__cte__" + n.name, "cte");
  if (n.resource_type == project::ResourceType::kSource) {
    // meta.external_location replaced the relation name by a file scan: keep it as it is.
    bool external =
        n.relation_name != project::render_relation(n.database, n.schema, n.identifier, n.quoting);
    return RelationValue::make(n.database, n.schema, n.identifier, external ? n.relation_name : std::string(),
                               "table", n.quoting);
  }
  return RelationValue::make(n.database, n.schema, n.alias, {}, n.materialized() == "view" ? "view" : "table",
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
  m.set(Value("fqn"), string_list(n.fqn));
  m.set(Value("tags"), string_list(n.tags));
  m.set(Value("config"), config_value_of(n));
  m.set(Value("meta"), to_value(n.meta));
  m.set(Value("description"), Value(n.description));
  m.set(Value("raw_code"), Value(n.raw_code));
  Value deps = Value::dict();
  deps.as_dict().set(Value("nodes"), string_list(n.depends_on_nodes));
  deps.as_dict().set(Value("macros"), string_list(n.depends_on_macros));
  m.set(Value("depends_on"), deps);
  if (n.resource_type == project::ResourceType::kSource) {
    m.set(Value("source_name"), Value(n.source_name));
    m.set(Value("identifier"), Value(n.identifier));
  }
  return d;
}

void install_context(jinja::Environment& env, ContextData& data) {
  const project::Manifest& m = data.manifest;
  env.add_function("ref", [&data](CallArgs& a) { return find_ref(data, a); });
  env.add_function("source", [&data](CallArgs& a) { return find_source(data, a); });
  env.add_function("var", [&data](CallArgs& a) {
    std::string name = arg_str(a, 0, "name");
    NodeRender& r = render_of(a);
    const std::string pkg = r.node ? r.node->package_name : data.manifest.project.name;
    if (const nlohmann::json* v = project::lookup_var(data.manifest, pkg, name)) return to_value(*v);
    if (a.args.size() > 1 || a.kwarg("default")) return a.get(1, "default");
    compiler_error("Required var '" + name + "' not found in config");
  });
  env.add_function("env_var", [](CallArgs& a) {
    std::string name = arg_str(a, 0, "var");
    if (const char* v = std::getenv(name.c_str())) return Value(std::string(v));
    if (a.args.size() > 1 || a.kwarg("default")) return Value(a.get(1, "default").str());
    compiler_error("Env var required but not provided: '" + name + "'");
  });
  env.add_function("is_incremental", [&data](CallArgs& a) {
    NodeRender& r = render_of(a);
    if (!r.node || r.parse || data.options.full_refresh) return Value(false);
    if (r.node->materialized() != "incremental") return Value(false);
    return Value(data.hooks->is_incremental(*r.node));
  });
  env.add_function("log", [](CallArgs& a) {
    std::string msg = arg_str(a, 0, "msg");
    if (a.get(1, "info", Value(false)).truthy())
      log::info("{}", msg);
    else
      log::debug("{}", msg);
    return Value("");
  });
  env.add_function("print", [](CallArgs& a) {
    std::fprintf(stderr, "%s\n", arg_str(a, 0, "msg").c_str());
    return Value("");
  });
  env.add_function("return", [](CallArgs& a) -> Value { throw jinja::MacroReturn{a.get(0, "value")}; });
  env.add_function("zip", [](CallArgs& a) {
    std::vector<Value> out;
    std::size_t n = SIZE_MAX;
    for (const auto& l : a.args) n = std::min(n, l.is_sequence_like() ? l.items().size() : std::size_t{0});
    if (a.args.empty()) n = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<Value> t;
      for (const auto& l : a.args) t.push_back(l.items()[i]);
      out.push_back(Value::tuple(std::move(t)));
    }
    return Value::list(std::move(out));
  });
  env.add_function("tojson", [](CallArgs& a) { return Value(to_json(a.get(0, "value")).dump()); });
  env.add_function("fromjson", [](CallArgs& a) {
    try {
      return to_value(nlohmann::json::parse(arg_str(a, 0, "string")));
    } catch (const nlohmann::json::exception&) {
      return a.get(1, "default", Value::none());
    }
  });
  env.add_function("toyaml", [](CallArgs& a) {
    YAML::Emitter out;
    std::function<void(const nlohmann::json&)> emit = [&](const nlohmann::json& j) {
      if (j.is_object()) {
        out << YAML::BeginMap;
        for (const auto& [k, v] : j.items()) {
          out << YAML::Key << k << YAML::Value;
          emit(v);
        }
        out << YAML::EndMap;
      } else if (j.is_array()) {
        out << YAML::BeginSeq;
        for (const auto& v : j) emit(v);
        out << YAML::EndSeq;
      } else if (j.is_string()) {
        out << j.get<std::string>();
      } else {
        out << j.dump();
      }
    };
    emit(to_json(a.get(0, "value")));
    return Value(std::string(out.c_str()) + "\n");
  });
  env.add_function("fromyaml", [](CallArgs& a) {
    try {
      return yaml_to_value(YAML::Load(arg_str(a, 0, "value")));
    } catch (const YAML::Exception&) {
      return a.get(1, "default", Value::none());
    }
  });
  env.add_function("doc", [&data](CallArgs& a) {
    std::string name = arg_str(a, 0, "name");
    for (const auto& d : data.manifest.docs)
      if (d.name == name) return Value(d.block_contents);
    compiler_error("doc('" + name + "') was not found");
  });

  install_statements(env, data);
  env.add_global("config", Value::object(std::make_shared<ConfigObject>()));
  env.add_global("adapter", Value::object(std::make_shared<AdapterObject>(data)));
  env.add_global("exceptions", Value::object(std::make_shared<ExceptionsObject>()));
  env.add_global("modules", make_modules());
  env.add_global("execute", Value(true));
  env.add_global("invocation_id", Value(data.options.invocation_id));
  env.add_global("run_started_at", make_datetime(data.options.run_started_at));
  env.add_global("project_name", Value(m.project.name));
  Value target = Value::dict();
  auto& t = target.as_dict();
  t.set(Value("name"), Value(m.target.name));
  t.set(Value("target_name"), Value(m.target.name));
  t.set(Value("profile_name"), Value(m.target.profile_name));
  t.set(Value("type"), Value(m.target.type));
  t.set(Value("schema"), Value(m.target.schema));
  t.set(Value("database"), Value(m.target.database));
  t.set(Value("threads"), Value(static_cast<std::int64_t>(m.target.threads)));
  env.add_global("target", target);
  Value flags = Value::dict();
  flags.as_dict().set(Value("FULL_REFRESH"), Value(data.options.full_refresh));
  flags.as_dict().set(Value("WHICH"), Value(data.options.which));
  flags.as_dict().set(Value("STORE_FAILURES"), Value(false));
  flags.as_dict().set(Value("EMPTY"), Value(false));
  env.add_global("flags", flags);
}

}  // namespace pond::compile
