#include "project/relation.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/error.hpp"

namespace pond::project {

namespace {

std::string config_string(const Node& n, const char* key) {
  const nlohmann::json* v = n.config_value(key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// dbt-duckdb's SourceConfig.as_dict(): the fields a location template may name.
std::vector<std::pair<std::string, std::string>> source_fields(const Node& n) {
  std::vector<std::pair<std::string, std::string>> out{
      {"name", n.name}, {"identifier", n.identifier}, {"schema", n.schema}, {"database", n.database}};
  auto add = [&](const nlohmann::json& obj) {
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.items()) {
      std::string text = v.is_string() ? v.get<std::string>() : v.dump();
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& f) { return f.first == k; });
      if (it != out.end())
        it->second = text;
      else
        out.emplace_back(k, text);
    }
  };
  add(n.meta);
  add(n.config);
  return out;
}

// Python's str.format_map with the fields ({{ and }} are literal braces), `%(name)s` or
// string.Template's $name / ${name}.
std::string format_location(const std::string& text, const std::string& formatter,
                            const std::vector<std::pair<std::string, std::string>>& fields, const Node& n) {
  auto lookup = [&](const std::string& key) -> std::string {
    for (const auto& [k, v] : fields)
      if (k == key) return v;
    throw UserError(SourceLocation{n.original_file_path},
                    "external_location of source '" + n.source_name + "." + n.name + "' names '" + key +
                        "', which is not a field of the source",
                    "the fields are name, identifier, schema, database and the source's meta keys");
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (formatter == "newstyle" && (c == '{' || c == '}')) {
      if (i + 1 < text.size() && text[i + 1] == c) {
        out += c;
        ++i;
        continue;
      }
      std::size_t close = text.find('}', i);
      if (c == '}' || close == std::string::npos) {
        out += c;
        continue;
      }
      out += lookup(text.substr(i + 1, close - i - 1));
      i = close;
    } else if (formatter == "oldstyle" && c == '%' && i + 1 < text.size() && text[i + 1] == '(') {
      std::size_t close = text.find(")s", i);
      if (close == std::string::npos) {
        out += c;
        continue;
      }
      out += lookup(text.substr(i + 2, close - i - 2));
      i = close + 1;
    } else if (formatter == "template" && c == '$' && i + 1 < text.size()) {
      if (text[i + 1] == '$') {
        out += '$';
        ++i;
        continue;
      }
      bool braced = text[i + 1] == '{';
      std::size_t start = i + (braced ? 2 : 1), end = start;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
        ++end;
      out += lookup(text.substr(start, end - start));
      i = braced && end < text.size() && text[end] == '}' ? end : end - 1;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string external_location(const Node& n) {
  std::string ext;
  std::string formatter = "newstyle";
  for (const nlohmann::json* obj : {&n.meta, &n.config}) {
    if (auto it = obj->find("external_location"); it != obj->end() && it->is_string())
      ext = it->get<std::string>();
    if (auto it = obj->find("formatter"); it != obj->end() && it->is_string())
      formatter = it->get<std::string>();
  }
  if (ext.empty()) return ext;
  if (formatter != "newstyle" && formatter != "oldstyle" && formatter != "template")
    throw UserError(
        SourceLocation{n.original_file_path},
        "Formatter " + formatter + " not recognized. Must be one of 'newstyle', 'oldstyle', or 'template'.",
        "set formatter: newstyle ({name}), oldstyle (%(name)s) or template ($name)");
  ext = format_location(ext, formatter, source_fields(n), n);
  // A function call or an already quoted path is used as written; a plain path is quoted.
  if (ext.find('(') == std::string::npos && ext.rfind('\'', 0) != 0) ext = "'" + ext + "'";
  return ext;
}

std::optional<std::string> delta_scan_path(const Node& n) {
  if (n.resource_type != ResourceType::kSource) return std::nullopt;
  static const std::regex call(R"(^\s*delta_scan\s*\(\s*'((?:[^']|'')*)'\s*\)\s*$)", std::regex::icase);
  std::string ext = external_location(n);
  std::smatch m;
  if (!std::regex_match(ext, m, call)) return std::nullopt;
  std::string path;
  const std::string quoted = m[1].str();
  for (std::size_t i = 0; i < quoted.size(); ++i) {
    path += quoted[i];
    if (quoted[i] == '\'' && i + 1 < quoted.size() && quoted[i + 1] == '\'') ++i;
  }
  return path;
}

std::string delta_source_view(const Node& n) {
  return "pond_delta." + quote_identifier(n.source_name + "." + n.name);
}

QuotePolicy quote_policy(const Node& n, const nlohmann::json& project_quoting) {
  QuotePolicy p;
  auto apply = [&p](const nlohmann::json* q) {
    if (!q || !q->is_object()) return;
    for (auto [key, flag] : {std::pair{"database", &p.database}, std::pair{"schema", &p.schema},
                             std::pair{"identifier", &p.identifier}})
      if (auto it = q->find(key); it != q->end() && it->is_boolean()) *flag = it->get<bool>();
  };
  apply(&project_quoting);
  apply(n.config_value("quoting"));
  return p;
}

std::string render_relation(const std::string& database, const std::string& schema,
                            const std::string& identifier, QuotePolicy policy) {
  std::string out;
  auto add = [&out](const std::string& part, bool quoted) {
    if (part.empty()) return;
    if (!out.empty()) out += '.';
    out += quoted ? quote_identifier(part) : part;
  };
  add(database, policy.database);
  add(schema, policy.schema);
  add(identifier, policy.identifier);
  return out;
}

void set_relation(Node& n, std::string database, std::string schema, std::string alias,
                  const nlohmann::json& project_quoting) {
  n.quoting = quote_policy(n, project_quoting);
  n.database = std::move(database);
  n.schema = std::move(schema);
  n.alias = std::move(alias);
  bool has_relation = n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSeed ||
                      n.resource_type == ResourceType::kSnapshot || n.resource_type == ResourceType::kSource;
  if (!has_relation || n.materialized() == "ephemeral") {
    n.relation_name.clear();
    return;
  }
  n.relation_name = render_relation(n.database, n.schema, n.alias, n.quoting);
}

void assign_relation(Node& n, const TargetInfo& target, const nlohmann::json& project_quoting) {
  if (is_definition_only(n.resource_type) && n.resource_type != ResourceType::kSource) return;
  if (n.resource_type == ResourceType::kSource) {
    std::string database = n.database.empty() ? target.database : n.database;
    set_relation(n, database, n.schema, n.identifier, project_quoting);
    // dbt-duckdb: meta.external_location (or config) replaces the relation by a file scan.
    std::string ext = external_location(n);
    if (!ext.empty()) n.relation_name = delta_scan_path(n) ? delta_source_view(n) : ext;
    return;
  }
  std::string custom_db = config_string(n, "database");
  std::string custom_schema = config_string(n, "schema");
  std::string alias = config_string(n, "alias");
  std::string schema = custom_schema.empty() ? target.schema : target.schema + "_" + custom_schema;
  if (n.resource_type == ResourceType::kSnapshot) {
    if (std::string ts = config_string(n, "target_schema"); !ts.empty()) schema = ts;
    if (std::string td = config_string(n, "target_database"); !td.empty()) custom_db = td;
  }
  set_relation(n, custom_db.empty() ? target.database : custom_db, schema, alias.empty() ? n.name : alias,
               project_quoting);
}

}  // namespace pond::project
