#include "compile/adapter.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <set>

#include "common/log.hpp"
#include "compile/column_value.hpp"
#include "compile/dispatch.hpp"
#include "compile/query_table.hpp"
#include "compile/relation_value.hpp"
#include "compile/values.hpp"
#include "project/relation.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const RelationParts& relation_arg(CallArgs& args, std::size_t i, const char* name, const char* method) {
  Value v = args.get(i, name);
  const RelationParts* p = relation_parts(v);
  if (!p)
    compiler_error(std::string("adapter.") + method + "() expects a Relation as '" + name + "', got " +
                   v.repr());
  return *p;
}

std::string rendered(const RelationParts& p) {
  return RelationValue(p).render();
}

// The methods, by name, and what each returns at parse time.
enum class ParseValue { kNone, kList, kFalse, kRuns };

struct Method {
  std::string_view name;
  ParseValue at_parse;
};

constexpr Method kMethods[] = {
    {"dispatch", ParseValue::kRuns},
    {"quote", ParseValue::kRuns},
    {"quote_as_configured", ParseValue::kRuns},
    {"quote_seed_column", ParseValue::kRuns},
    {"type", ParseValue::kRuns},
    {"get_relation", ParseValue::kNone},
    {"load_relation", ParseValue::kNone},
    {"get_columns_in_relation", ParseValue::kList},
    {"get_columns_in_table", ParseValue::kList},
    {"get_missing_columns", ParseValue::kList},
    {"get_column_schema_from_query", ParseValue::kList},
    {"expand_target_column_types", ParseValue::kNone},
    {"drop_relation", ParseValue::kNone},
    {"truncate_relation", ParseValue::kNone},
    {"rename_relation", ParseValue::kNone},
    {"create_schema", ParseValue::kNone},
    {"drop_schema", ParseValue::kNone},
    {"already_exists", ParseValue::kFalse},
    {"check_schema_exists", ParseValue::kFalse},
    {"list_relations_without_caching", ParseValue::kList},
    {"list_schemas", ParseValue::kList},
    {"execute", ParseValue::kNone},
    {"cache_added", ParseValue::kRuns},
    {"cache_dropped", ParseValue::kRuns},
    {"cache_renamed", ParseValue::kRuns},
    {"commit", ParseValue::kRuns},
    {"begin", ParseValue::kRuns},
    {"rollback", ParseValue::kRuns},
    {"standardize_grants_dict", ParseValue::kRuns},
    {"get_hard_deletes_behavior", ParseValue::kRuns},
    {"valid_incremental_strategies", ParseValue::kRuns},
    {"is_motherduck", ParseValue::kRuns},
    {"disable_transactions", ParseValue::kRuns},
    {"is_ducklake", ParseValue::kRuns},
    {"use_ducklake_table_workarounds", ParseValue::kRuns},
    {"external_root", ParseValue::kRuns},
    {"get_binding_char", ParseValue::kRuns},
    {"warn_once", ParseValue::kRuns},
    {"location_exists", ParseValue::kFalse},
    {"get_seed_file_path", ParseValue::kRuns},
    {"convert_datetimes_to_strs", ParseValue::kRuns},
};

class AdapterObject final : public jinja::NativeObject {
 public:
  explicit AdapterObject(ContextData& data) : data_(data) {}

  bool has_method(std::string_view name) const override { return find(name) != nullptr; }

  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    const Method* m = find(name);
    if (!m) return false;
    if (m->at_parse != ParseValue::kRuns && render_of(args).parse) {
      result = m->at_parse == ParseValue::kList    ? Value::list()
               : m->at_parse == ParseValue::kFalse ? Value(false)
                                                   : Value::none();
      return true;
    }
    result = call(name, args);
    return true;
  }
  std::string repr() const override { return "<dbt.adapters.duckdb.impl.DuckDBAdapter>"; }
  std::string type_name() const override { return "DuckDBAdapter"; }

 private:
  static const Method* find(std::string_view name) {
    for (const auto& m : kMethods)
      if (m.name == name) return &m;
    return nullptr;
  }

  ExecutionHooks& hooks() { return *data_.hooks; }
  const std::string& target_database() const { return data_.manifest.target.database; }

  std::string quote_as_configured(const std::string& identifier, const std::string& key) const {
    if (key != "database" && key != "schema" && key != "identifier") return identifier;
    const nlohmann::json& q = data_.manifest.project.quoting;
    if (q.is_object())
      if (auto it = q.find(key); it != q.end() && it->is_boolean() && !it->get<bool>()) return identifier;
    return "\"" + identifier + "\"";
  }

  std::vector<Value> columns_of(const RelationParts& p) {
    std::vector<Value> out;
    if (!p.external.empty()) {  // a file scan: DuckDB describes it
      for (const auto& row : hooks().run_query("describe " + p.external).rows)
        if (row.size() >= 2) out.push_back(make_column(row[0].value_or(""), row[1].value_or("")));
      return out;
    }
    for (const auto& c : hooks().columns(p.database.value_or(target_database()), p.schema.value_or(""),
                                         p.identifier.value_or("")))
      out.push_back(make_column(c.name, c.data_type));
    return out;
  }

  Value get_relation(const std::optional<std::string>& database, const std::string& schema,
                     const std::string& identifier) {
    std::string db = database.value_or(target_database());
    const RelationInfo* approximate = nullptr;
    auto found = hooks().list_relations(db, schema);
    for (const auto& r : found) {
      if (r.identifier == identifier && r.schema == schema && (!database || r.database == *database)) {
        RelationParts p;
        p.database = r.database;
        p.schema = r.schema;
        p.identifier = r.identifier;
        p.type = r.type;
        return RelationValue::make(std::move(p));
      }
      if (lower(r.identifier) == lower(identifier)) approximate = &r;
    }
    if (approximate)
      compiler_error(
          "When searching for a relation, dbt found an approximate match. Instead of guessing \n"
          "which relation to use, dbt will move on. Please delete " +
          project::render_relation(approximate->database, approximate->schema, approximate->identifier, {}) +
          ", or rename it to be less ambiguous.\nSearched for: " +
          project::render_relation(db, schema, identifier, {}) + "\nFound: " +
          project::render_relation(approximate->database, approximate->schema, approximate->identifier, {}));
    return Value::none();
  }

  Value run(const std::string& sql, bool fetch) {
    QueryResult r = hooks().run_query(sql);
    Value response = make_dict({{"_message", Value(r.message.empty() ? std::string("OK") : r.message)},
                                {"code", Value(r.message.empty() ? std::string("OK") : r.message)},
                                {"rows_affected", Value(static_cast<std::int64_t>(r.rows_affected))}});
    if (!fetch) r.rows.clear();
    return Value::tuple({response, query_table(r)});
  }

  Value call(std::string_view name, CallArgs& args) {
    if (name == "dispatch") {
      if (args.kwarg("packages"))
        compiler_error(
            "The \"packages\" argument of adapter.dispatch() has been deprecated.\n"
            "Use the \"macro_namespace\" argument instead.");
      return dispatch_macro(data_.manifest, *data_.macros, *args.render, arg_str(args, 0, "macro_name"),
                            arg_str(args, 1, "macro_namespace"));
    }
    if (name == "quote") return Value("\"" + arg_str(args, 0, "identifier") + "\"");
    if (name == "quote_as_configured")
      return Value(quote_as_configured(arg_str(args, 0, "identifier"), arg_str(args, 1, "quote_key")));
    if (name == "quote_seed_column") {
      Value q = args.get(1, "quote_config", Value::none());
      if (!q.is_none() && !q.is_undefined() && !q.is_bool())
        compiler_error("The seed configuration value of \"quote_columns\" has an invalid type " +
                       q.type_name());
      std::string column = arg_str(args, 0, "column");
      return Value(q.is_bool() && !q.as_bool() ? column : "\"" + column + "\"");
    }
    if (name == "type") return Value("duckdb");
    if (name == "get_relation")
      return get_relation(arg_opt_str(args, 0, "database"), arg_str(args, 1, "schema"),
                          arg_str(args, 2, "identifier"));
    if (name == "load_relation") {
      const RelationParts& p = relation_arg(args, 0, "relation", "load_relation");
      return get_relation(p.database, p.schema.value_or(""), p.identifier.value_or(""));
    }
    if (name == "already_exists")
      return Value(
          !get_relation(std::nullopt, arg_str(args, 0, "schema"), arg_str(args, 1, "name")).is_none());
    if (name == "get_columns_in_relation")
      return Value::list(columns_of(relation_arg(args, 0, "relation", "get_columns_in_relation")));
    if (name == "get_columns_in_table") {
      RelationParts p;
      p.database = target_database();
      p.schema = arg_str(args, 0, "schema");
      p.identifier = arg_str(args, 1, "identifier");
      return Value::list(columns_of(p));
    }
    if (name == "get_column_schema_from_query") {
      std::vector<Value> out;
      for (const auto& row : hooks().run_query("describe " + arg_str(args, 0, "sql")).rows)
        if (row.size() >= 2) out.push_back(make_column(row[0].value_or(""), row[1].value_or("")));
      return Value::list(std::move(out));
    }
    if (name == "get_missing_columns") {
      auto from = columns_of(relation_arg(args, 0, "from_relation", "get_missing_columns"));
      auto to = columns_of(relation_arg(args, 1, "to_relation", "get_missing_columns"));
      std::set<std::string> present;
      for (const auto& c : to) present.insert(column_of(c)->first);
      std::vector<Value> out;
      for (const auto& c : from)
        if (!present.count(column_of(c)->first)) out.push_back(c);
      return Value::list(std::move(out));
    }
    if (name == "expand_target_column_types") {
      // dbt widens string columns of the target that are narrower than the source's; DuckDB's
      // VARCHAR has no length, so this finds nothing to widen unless sizes were declared.
      const RelationParts& to = relation_arg(args, 1, "to_relation", "expand_target_column_types");
      auto goal = columns_of(relation_arg(args, 0, "from_relation", "expand_target_column_types"));
      auto current = columns_of(to);
      for (const auto& ref : goal) {
        for (const auto& tgt : current) {
          if (column_of(tgt)->first != column_of(ref)->first) continue;
          CallArgs a;
          a.args.push_back(ref);
          Value can;
          tgt.as_object()->call_method("can_expand_to", a, can);
          if (!can.truthy()) continue;
          CallArgs none;
          Value size;
          ref.as_object()->call_method("string_size", none, size);
          hooks().run_query("alter table " + rendered(to) + " alter column \"" + column_of(tgt)->first +
                            "\" type character varying(" + size.str() + ")");
        }
      }
      return Value::none();
    }
    if (name == "drop_relation") {
      const RelationParts& p = relation_arg(args, 0, "relation", "drop_relation");
      if (!p.type) compiler_error("Tried to drop relation " + rendered(p) + ", but its type is null.");
      if (hooks().drop_relation(p.database.value_or(target_database()), p.schema.value_or(""),
                                p.identifier.value_or("")))
        return Value::none();
      hooks().run_query("drop " + *p.type + " if exists " + rendered(p) + " cascade");
      return Value::none();
    }
    if (name == "truncate_relation") {
      hooks().run_query("truncate table " + rendered(relation_arg(args, 0, "relation", "truncate_relation")));
      return Value::none();
    }
    if (name == "rename_relation") {
      const RelationParts& from = relation_arg(args, 0, "from_relation", "rename_relation");
      const RelationParts& to = relation_arg(args, 1, "to_relation", "rename_relation");
      std::string type = to.type.value_or(from.type.value_or("table"));
      hooks().run_query("alter " + type + " " + rendered(from) + " rename to " +
                        quote_as_configured(to.identifier.value_or(""), "identifier"));
      return Value::none();
    }
    if (name == "create_schema" || name == "drop_schema") {
      RelationParts p = relation_arg(args, 0, "relation", std::string(name).c_str());
      p.identifier.reset();
      p.include_policy.identifier = false;
      hooks().run_query(name == "create_schema" ? "create schema if not exists " + rendered(p)
                                                : "drop schema if exists " + rendered(p) + " cascade");
      return Value::none();
    }
    if (name == "check_schema_exists") {
      std::string schema = lower(arg_str(args, 1, "schema"));
      for (const auto& s : hooks().list_schemas(arg_opt_str(args, 0, "database").value_or(target_database())))
        if (lower(s) == schema) return Value(true);
      return Value(false);
    }
    if (name == "list_schemas") {
      std::vector<Value> out;
      for (const auto& s : hooks().list_schemas(arg_opt_str(args, 0, "database").value_or(target_database())))
        out.emplace_back(s);
      return Value::list(std::move(out));
    }
    if (name == "list_relations_without_caching") {
      const RelationParts& s = relation_arg(args, 0, "schema_relation", "list_relations_without_caching");
      std::vector<Value> out;
      for (const auto& r :
           hooks().list_relations(s.database.value_or(target_database()), s.schema.value_or("")))
        out.push_back(RelationValue::make(r.database, r.schema, r.identifier, r.type));
      return Value::list(std::move(out));
    }
    if (name == "execute") return run(arg_str(args, 0, "sql"), args.get(2, "fetch", Value(false)).truthy());
    if (name == "standardize_grants_dict") {
      Value grants = Value::dict();
      Value table = args.get(0, "grants_table");
      if (table.is_object() && table.as_object()->iterable()) {
        for (const auto& row : table.as_object()->iterate()) {
          Value grantee = row.as_object()->get_item(Value("grantee"));
          Value privilege = row.as_object()->get_item(Value("privilege_type"));
          if (Value* list = grants.as_dict().find(privilege))
            list->items().push_back(grantee);
          else
            grants.as_dict().set(privilege, Value::list({grantee}));
        }
      }
      return grants;
    }
    if (name == "get_hard_deletes_behavior") {
      Value config = args.get(0, "config");
      auto get = [&](const char* key) {
        if (config.is_dict())
          if (const Value* v = config.as_dict().find_str(key)) return *v;
        return Value::none();
      };
      Value invalidate = get("invalidate_hard_deletes"), hard = get("hard_deletes");
      if (!invalidate.is_none() && !hard.is_none())
        compiler_error(
            "You cannot set both the invalidate_hard_deletes and hard_deletes config properties on "
            "the same snapshot.");
      if (invalidate.truthy() || (hard.is_str() && hard.as_str() == "invalidate")) return Value("invalidate");
      if (hard.is_str() && hard.as_str() == "new_record") return Value("new_record");
      if (hard.is_none() || (hard.is_str() && hard.as_str() == "ignore")) return Value("ignore");
      compiler_error("Invalid setting for property hard_deletes.");
    }
    if (name == "valid_incremental_strategies")
      return Value::list({Value("append"), Value("delete+insert"), Value("merge"), Value("microbatch")});
    if (name == "external_root") {
      const auto& extra = data_.manifest.target.extra;
      auto it = extra.find("external_root");
      return Value(it == extra.end() ? std::string(".") : it->second);
    }
    if (name == "get_binding_char") return Value("?");
    if (name == "warn_once") {
      std::string msg = arg_str(args, 0, "msg");
      std::lock_guard lock(warned_mutex_);
      if (warned_.insert(msg).second) log::warn("{}", msg);
      return Value("");
    }
    if (name == "location_exists") {
      std::filesystem::path p = arg_str(args, 0, "location");
      if (p.is_relative()) p = data_.manifest.project.root / p;
      std::error_code ec;
      return Value(std::filesystem::exists(p, ec));
    }
    if (name == "get_seed_file_path") {
      Value model = args.get(0, "model");
      auto field = [&](const char* key) {
        const Value* v = model.is_dict() ? model.as_dict().find_str(key) : nullptr;
        return v ? v->str() : std::string();
      };
      return Value((data_.manifest.root_of(field("package_name")) / field("original_file_path")).string());
    }
    if (name == "convert_datetimes_to_strs") return args.get(0, "table");
    if (name == "is_motherduck" || name == "disable_transactions" || name == "is_ducklake" ||
        name == "use_ducklake_table_workarounds")
      return Value(false);
    return Value("");  // cache_added/dropped/renamed, commit, begin, rollback: pond has no cache to keep
  }

  ContextData& data_;
  std::mutex warned_mutex_;
  std::set<std::string> warned_;
};

}  // namespace

Value make_adapter(ContextData& data) {
  return Value::object(std::make_shared<AdapterObject>(data));
}

}  // namespace pond::compile
