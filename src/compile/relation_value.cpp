#include "compile/relation_value.hpp"

#include <algorithm>
#include <cctype>

#include "common/text.hpp"
#include "compile/values.hpp"
#include "jinja/error.hpp"
#include "project/relation.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

Value opt_value(const std::optional<std::string>& s) {
  return s ? Value(*s) : Value::none();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A path part given as a Jinja value: none clears it, a string sets it; anything else is dbt's
// "Got an invalid path" error (Undefined sneaking in, as dbt's Path checks).
std::optional<std::string> path_part(const Value& v, const char* what) {
  if (v.is_none()) return std::nullopt;
  if (v.is_str()) return v.as_str();
  if (v.is_undefined()) compiler_error(std::string("Got an invalid path ") + what + ": " + v.str());
  compiler_error(std::string("Got an invalid path ") + what + ": " + v.str());
}

void apply_policy(project::QuotePolicy& policy, const Value& dict) {
  if (!dict.is_dict()) return;
  for (const auto& [k, v] : dict.as_dict().entries()) {
    if (v.is_none() || v.is_undefined()) continue;
    std::string key = k.str();
    if (key == "database") policy.database = v.truthy();
    if (key == "schema") policy.schema = v.truthy();
    if (key == "identifier") policy.identifier = v.truthy();
  }
}

// include(...)/quote(...): the policy with the parts given (none = unchanged).
project::QuotePolicy with_policy_args(project::QuotePolicy p, CallArgs& args) {
  const char* names[] = {"database", "schema", "identifier"};
  bool* fields[] = {&p.database, &p.schema, &p.identifier};
  for (std::size_t i = 0; i < 3; ++i) {
    Value v = args.get(i, names[i]);
    if (!v.is_none() && !v.is_undefined()) *fields[i] = v.truthy();
  }
  return p;
}

Value policy_dict(const project::QuotePolicy& p) {
  return make_dict(
      {{"database", Value(p.database)}, {"schema", Value(p.schema)}, {"identifier", Value(p.identifier)}});
}

// incorporate(**kwargs) / replace(**kwargs): dbt deep-merges the keywords into the dataclass's
// dict and builds a new relation from it.
void merge_into(RelationParts& p, const std::vector<std::pair<std::string, Value>>& kwargs) {
  for (const auto& [key, v] : kwargs) {
    if (key == "path") {
      if (!v.is_dict()) continue;
      for (const auto& [k, part] : v.as_dict().entries()) {
        std::string name = k.str();
        if (name == "database") p.database = path_part(part, "database");
        if (name == "schema") p.schema = path_part(part, "schema");
        if (name == "identifier") p.identifier = path_part(part, "identifier");
      }
    } else if (key == "type") {
      p.type = v.is_none() || v.is_undefined() ? std::nullopt : std::optional<std::string>(v.str());
    } else if (key == "quote_policy") {
      apply_policy(p.quote_policy, v);
    } else if (key == "include_policy") {
      apply_policy(p.include_policy, v);
    } else if (key == "limit") {
      p.limit = v.is_none() ? std::nullopt : std::optional<std::int64_t>(v.as_int());
    } else if (key == "external") {
      p.external = v.is_none() ? std::string() : v.str();
    } else if (key == "dbt_created") {
      p.dbt_created = v.truthy();
    }
  }
}

bool parts_equal(const RelationParts& a, const RelationParts& b) {
  auto pol = [](const project::QuotePolicy& x, const project::QuotePolicy& y) {
    return x.database == y.database && x.schema == y.schema && x.identifier == y.identifier;
  };
  return a.database == b.database && a.schema == b.schema && a.identifier == b.identifier &&
         a.type == b.type && pol(a.quote_policy, b.quote_policy) && pol(a.include_policy, b.include_policy) &&
         a.limit == b.limit && a.event_time_filter == b.event_time_filter && a.external == b.external &&
         a.information_schema == b.information_schema &&
         a.information_schema_view == b.information_schema_view;
}

constexpr std::pair<const char*, const char*> kTypeNames[] = {
    {"Table", "table"},       {"View", "view"},
    {"CTE", "cte"},           {"MaterializedView", "materialized_view"},
    {"External", "external"}, {"PointerTable", "pointer_table"},
    {"Function", "function"}, {"Ephemeral", "ephemeral"}};

Value type_name_attr(std::string_view name) {
  for (const auto& [attr, type] : kTypeNames)
    if (name == attr) return Value(type);
  return Value::undefined();
}

// dbt's relation config (a node's `model` dict): where create_from() reads the parts.
RelationParts from_relation_config(const Value& config, const Value& quoting) {
  RelationParts p;
  auto field = [&](const char* key) -> std::optional<std::string> {
    if (!config.is_dict()) return std::nullopt;
    const Value* v = config.as_dict().find_str(key);
    return v && v->is_str() ? std::optional<std::string>(v->as_str()) : std::nullopt;
  };
  p.database = field("database");
  p.schema = field("schema");
  p.identifier =
      field("resource_type") == std::optional<std::string>("source") ? field("identifier") : field("alias");
  if (!p.identifier) p.identifier = field("name");
  if (quoting.is_dict()) apply_policy(p.quote_policy, quoting);
  if (quoting.is_object())  // the project config object: its `quoting`
    apply_policy(p.quote_policy, quoting.as_object()->get_attr("quoting"));
  if (config.is_dict())
    if (const Value* c = config.as_dict().find_str("config"); c && c->is_dict())
      if (const Value* q = c->as_dict().find_str("quoting")) apply_policy(p.quote_policy, *q);
  return p;
}

}  // namespace

Value RelationValue::make(RelationParts parts) {
  return Value::object(std::make_shared<RelationValue>(std::move(parts)));
}

Value RelationValue::make(std::string database, std::string schema, std::string identifier, std::string type,
                          project::QuotePolicy quoting) {
  RelationParts p;
  if (!database.empty()) p.database = std::move(database);
  if (!schema.empty()) p.schema = std::move(schema);
  if (!identifier.empty()) p.identifier = std::move(identifier);
  if (!type.empty()) p.type = std::move(type);
  p.quote_policy = quoting;
  return make(std::move(p));
}

const RelationParts* relation_parts(const Value& obj) {
  if (!obj.is_object()) return nullptr;
  auto* r = dynamic_cast<RelationValue*>(obj.as_object());
  return r ? &r->parts() : nullptr;
}

RelationParts relation_from_args(CallArgs& args, std::size_t first) {
  RelationParts p;
  auto part = [&](std::size_t i, const char* name) -> std::optional<std::string> {
    Value v = args.get(first + i, name);
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    return path_part(v, name);
  };
  p.database = part(0, "database");
  p.schema = part(1, "schema");
  p.identifier = part(2, "identifier");
  Value type = args.get(first + 3, "type");
  if (!type.is_undefined() && !type.is_none()) p.type = type.str();
  std::vector<std::pair<std::string, Value>> rest;
  for (const auto& [k, v] : args.kwargs)
    if (k != "database" && k != "schema" && k != "identifier" && k != "type") rest.emplace_back(k, v);
  merge_into(p, rest);
  return p;
}

std::string RelationValue::render() const {
  if (!p_.external.empty()) return p_.external;
  std::string out;
  auto add = [&out](const std::optional<std::string>& part, bool include, bool quoted) {
    if (!include || !part) return;
    if (!out.empty()) out += '.';
    out += quoted ? quote_identifier(*part) : *part;
  };
  add(p_.database, p_.include_policy.database, p_.quote_policy.database);
  add(p_.schema, p_.include_policy.schema, p_.quote_policy.schema);
  add(p_.identifier, p_.include_policy.identifier, p_.quote_policy.identifier);
  if (p_.information_schema && p_.information_schema_view) {
    if (!out.empty()) out += '.';
    out += *p_.information_schema_view;
  }
  return out;
}

// DuckDBRelation.require_alias is false: a limited or filtered relation gets no alias.
std::string RelationValue::render_limited() const {
  std::string rendered = render();
  if (!p_.limit) return rendered;
  if (*p_.limit == 0) return "(select * from " + rendered + " where false limit 0)";
  return "(select * from " + rendered + " limit " + std::to_string(*p_.limit) + ")";
}

std::string RelationValue::str() const {
  std::string rendered = render_limited();
  if (!p_.event_time_filter.empty())
    rendered = "(select * from " + rendered + " where " + p_.event_time_filter + ")";
  return rendered;
}

std::string RelationValue::repr() const {
  return "<DuckDBRelation " + render() + ">";
}

bool RelationValue::compare(const Value& other, int& order) const {
  const RelationParts* o = relation_parts(other);
  if (!o) return false;
  order = parts_equal(p_, *o) ? 0 : (str() < RelationValue(*o).str() ? -1 : 1);
  return true;
}

Value RelationValue::to_dict() const {
  Value path = make_dict({{"database", opt_value(p_.database)},
                          {"schema", opt_value(p_.schema)},
                          {"identifier", opt_value(p_.identifier)}});
  Value d = make_dict({{"path", path},
                       {"type", opt_value(p_.type)},
                       {"quote_character", Value("\"")},
                       {"include_policy", policy_dict(p_.include_policy)},
                       {"quote_policy", policy_dict(p_.quote_policy)},
                       {"dbt_created", Value(p_.dbt_created)},
                       {"limit", p_.limit ? Value(*p_.limit) : Value::none()},
                       {"require_alias", Value(false)}});
  if (!p_.external.empty()) d.as_dict().set(Value("external"), Value(p_.external));
  return d;
}

Value RelationValue::get_attr(std::string_view name) const {
  if (name == "database") return opt_value(p_.database);
  if (name == "schema") return opt_value(p_.schema);
  if (name == "identifier" || name == "name" || name == "table") return opt_value(p_.identifier);
  if (name == "type") return opt_value(p_.type);
  if (name == "path")
    return make_dict({{"database", opt_value(p_.database)},
                      {"schema", opt_value(p_.schema)},
                      {"identifier", opt_value(p_.identifier)}});
  if (name == "quote_policy") return policy_dict(p_.quote_policy);
  if (name == "include_policy") return policy_dict(p_.include_policy);
  if (name == "quote_character") return Value("\"");
  if (name == "limit") return p_.limit ? Value(*p_.limit) : Value::none();
  if (name == "require_alias") return Value(false);
  if (name == "dbt_created") return Value(p_.dbt_created);
  if (name == "external") return p_.external.empty() ? Value::none() : Value(p_.external);
  if (name == "event_time_filter")
    return p_.event_time_filter.empty() ? Value::none() : Value(p_.event_time_filter);
  if (name == "information_schema_view") return opt_value(p_.information_schema_view);
  if (name == "renameable_relations" || name == "replaceable_relations") return Value::tuple();
  if (name == "can_be_renamed" || name == "can_be_replaced") return Value(false);
  auto is = [&](const char* type) { return Value(p_.type == std::optional<std::string>(type)); };
  if (name == "is_table") return is("table");
  if (name == "is_view") return is("view");
  if (name == "is_cte") return is("cte");
  if (name == "is_materialized_view") return is("materialized_view");
  if (name == "is_pointer") return is("pointer_table");
  if (name == "is_function") return is("function");
  return type_name_attr(name);
}

bool RelationValue::has_method(std::string_view name) const {
  static constexpr std::string_view kMethods[] = {"get",
                                                  "incorporate",
                                                  "include",
                                                  "quote",
                                                  "render",
                                                  "render_limited",
                                                  "render_event_time_filtered",
                                                  "without_identifier",
                                                  "information_schema",
                                                  "information_schema_only",
                                                  "matches",
                                                  "replace_path",
                                                  "replace",
                                                  "quoted",
                                                  "create",
                                                  "create_from",
                                                  "add_ephemeral_prefix",
                                                  "scd_args",
                                                  "to_dict",
                                                  "get_default_quote_policy",
                                                  "get_default_include_policy"};
  return std::find(std::begin(kMethods), std::end(kMethods), name) != std::end(kMethods);
}

bool RelationValue::call_method(std::string_view name, CallArgs& args, Value& result) {
  auto copy = [&](RelationParts p) { result = make(std::move(p)); };
  if (name == "get") {  // Mapping.get; `metadata` names the class, for dbt_utils' checks
    std::string key = arg_str(args, 0, "key");
    if (key == "metadata") {
      result = make_dict({{"type", Value("DuckDBRelation")}});
      return true;
    }
    Value v = get_attr(key);
    result = v.is_undefined() ? args.get(1, "default", Value::none()) : v;
    return true;
  }
  if (name == "render") {
    result = Value(render());
  } else if (name == "render_limited") {
    result = Value(render_limited());
  } else if (name == "render_event_time_filtered") {
    std::string rendered = arg_opt_str(args, 0, "rendered").value_or(render());
    result = Value(p_.event_time_filter.empty()
                       ? rendered
                       : "(select * from " + rendered + " where " + p_.event_time_filter + ")");
  } else if (name == "incorporate" || name == "replace") {
    RelationParts p = p_;
    merge_into(p, args.kwargs);
    copy(std::move(p));
  } else if (name == "replace_path") {
    RelationParts p = p_;
    Value path = Value::dict();
    for (const auto& [k, v] : args.kwargs) path.as_dict().set(Value(k), v);
    merge_into(p, {{"path", path}});
    copy(std::move(p));
  } else if (name == "include") {
    RelationParts p = p_;
    p.include_policy = with_policy_args(p.include_policy, args);
    copy(std::move(p));
  } else if (name == "quote") {
    RelationParts p = p_;
    p.quote_policy = with_policy_args(p.quote_policy, args);
    copy(std::move(p));
  } else if (name == "without_identifier") {
    RelationParts p = p_;
    p.include_policy.identifier = false;
    p.identifier.reset();
    copy(std::move(p));
  } else if (name == "information_schema" || name == "information_schema_only") {
    // "db".INFORMATION_SCHEMA[.<view>]: dbt's InformationSchema of this relation's database.
    RelationParts p;
    p.database = p_.database;
    p.identifier = "INFORMATION_SCHEMA";
    p.type = "view";
    p.include_policy = {p_.database.has_value(), false, true};
    p.quote_policy = p_.quote_policy;
    p.quote_policy.identifier = false;
    p.information_schema = true;
    Value view = name == "information_schema" ? args.get(0, "view_name") : Value();
    if (view.is_str()) p.information_schema_view = view.as_str();
    copy(std::move(p));
  } else if (name == "matches") {
    // dbt: exact match of the given parts; a case-insensitive match that is not exact is an error.
    bool any = false, exact = true, approximate = true;
    const char* names[] = {"database", "schema", "identifier"};
    const std::optional<std::string>* parts[] = {&p_.database, &p_.schema, &p_.identifier};
    for (std::size_t i = 0; i < 3; ++i) {
      auto want = arg_opt_str(args, i, names[i]);
      if (!want) continue;
      any = true;
      const std::string have = parts[i]->value_or("");
      if (have != *want) exact = false;
      if (lower(have) != lower(*want)) approximate = false;
    }
    if (!any) compiler_error("Tried to match relation, but no search path was passed!");
    if (approximate && !exact)
      compiler_error(
          "When searching for a relation, dbt found an approximate match. Instead of guessing \n"
          "which relation to use, dbt will move on. Please delete " +
          render() + ", or rename it to be less ambiguous.");
    result = Value(exact);
  } else if (name == "quoted") {
    result = Value("\"" + arg_str(args, 0, "identifier") + "\"");
  } else if (name == "create") {
    copy(relation_from_args(args));
  } else if (name == "create_from") {
    copy(from_relation_config(args.get(1, "relation_config"), args.get(0, "quoting")));
  } else if (name == "add_ephemeral_prefix") {
    result = Value("__dbt__cte__" + arg_str(args, 0, "name"));
  } else if (name == "scd_args") {
    Value pk = args.get(0, "primary_key");
    std::vector<Value> out = pk.is_sequence_like() ? pk.items() : std::vector<Value>{pk};
    out.push_back(args.get(1, "updated_at"));
    result = Value::list(std::move(out));
  } else if (name == "to_dict") {
    result = to_dict();
  } else if (name == "get_default_quote_policy" || name == "get_default_include_policy") {
    result = policy_dict({});
  } else {
    return false;
  }
  return true;
}

namespace {

// `api.Relation`: the class. Its methods build relations; its attributes name the types.
class RelationClass final : public jinja::NativeObject {
 public:
  RelationClass() : proto_(RelationParts{}) {}
  Value get_attr(std::string_view name) const override { return type_name_attr(name); }
  bool has_method(std::string_view name) const override {
    return name == "create" || name == "create_from" || name == "add_ephemeral_prefix" ||
           name == "scd_args" || name == "get_default_quote_policy" || name == "get_default_include_policy";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    return proto_.call_method(name, args, result);
  }
  std::string repr() const override { return "<class 'dbt.adapters.duckdb.relation.DuckDBRelation'>"; }
  std::string type_name() const override { return "type"; }

 private:
  RelationValue proto_;
};

}  // namespace

Value relation_class() {
  return Value::object(std::make_shared<RelationClass>());
}

}  // namespace pond::compile
