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
  if (n.resource_type == ResourceType::kExposure) return;
  if (n.resource_type == ResourceType::kSource) {
    std::string database = n.database.empty() ? target.database : n.database;
    set_relation(n, database, n.schema, n.identifier, project_quoting);
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
  set_relation(n, custom_db.empty() ? target.database : custom_db, schema, alias.empty() ? n.name : alias,
               project_quoting);
}

}  // namespace pond::project
