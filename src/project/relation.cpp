#include "project/relation.hpp"

namespace pond::project {

namespace {

std::string config_string(const Node& n, const char* key) {
  const nlohmann::json* v = n.config_value(key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

}  // namespace

std::string quote_identifier(const std::string& name) {
  return "\"" + replace_all(name, "\"", "\"\"") + "\"";
}

void set_relation(Node& n, std::string database, std::string schema, std::string alias) {
  n.database = std::move(database);
  n.schema = std::move(schema);
  n.alias = std::move(alias);
  bool has_relation = n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSeed ||
                      n.resource_type == ResourceType::kSnapshot || n.resource_type == ResourceType::kSource;
  if (!has_relation || n.materialized() == "ephemeral") {
    n.relation_name.clear();
    return;
  }
  n.relation_name =
      quote_identifier(n.database) + "." + quote_identifier(n.schema) + "." + quote_identifier(n.alias);
}

void assign_relation(Node& n, const TargetInfo& target) {
  if (n.resource_type == ResourceType::kExposure) return;
  if (n.resource_type == ResourceType::kSource) {
    std::string database = n.database.empty() ? target.database : n.database;
    set_relation(n, database, n.schema, n.identifier);
    // dbt-duckdb: meta.external_location (or config) replaces the relation by a file scan,
    // formatted with the table's name/identifier.
    std::string ext;
    if (n.meta.contains("external_location") && n.meta["external_location"].is_string())
      ext = n.meta["external_location"].get<std::string>();
    if (n.config.contains("external_location") && n.config["external_location"].is_string())
      ext = n.config["external_location"].get<std::string>();
    if (!ext.empty()) {
      ext = replace_all(ext, "{name}", n.name);
      ext = replace_all(ext, "{identifier}", n.identifier);
      ext = replace_all(ext, "{schema}", n.schema);
      ext = replace_all(ext, "{source_name}", n.source_name);
      n.relation_name = ext;
    }
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
  set_relation(n, custom_db.empty() ? target.database : custom_db, schema, alias.empty() ? n.name : alias);
}

}  // namespace pond::project
