#include "project/manifest_json.hpp"

#include <chrono>
#include <fstream>
#include <random>

#include "common/error.hpp"
#include "project/graph.hpp"
#include "project/hashing.hpp"

namespace pond::project {

namespace {

using ojson = nlohmann::ordered_json;

// nlohmann::json keeps keys sorted; the manifest is an ordered_json. Converted directly
// (a dump/parse round trip would double the manifest's cost).
ojson to_ordered(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      ojson o = ojson::object();
      for (const auto& [k, v] : j.items()) o.emplace(k, to_ordered(v));
      return o;
    }
    case nlohmann::json::value_t::array: {
      ojson a = ojson::array();
      for (const auto& v : j) a.push_back(to_ordered(v));
      return a;
    }
    case nlohmann::json::value_t::string:
      return j.get_ref<const std::string&>();
    case nlohmann::json::value_t::boolean:
      return j.get<bool>();
    case nlohmann::json::value_t::number_integer:
      return j.get<std::int64_t>();
    case nlohmann::json::value_t::number_unsigned:
      return j.get<std::uint64_t>();
    case nlohmann::json::value_t::number_float:
      return j.get<double>();
    default:
      return nullptr;
  }
}

ojson null_or(const std::string& s) {
  return s.empty() ? ojson() : ojson(s);
}

ojson columns_json(const std::vector<Column>& columns) {
  ojson out = ojson::object();
  for (const auto& c : columns) {
    out[c.name] = ojson{{"name", c.name},
                        {"description", c.description},
                        {"meta", to_ordered(c.meta)},
                        {"data_type", null_or(c.data_type)},
                        {"constraints", to_ordered(c.constraints)},
                        {"quote", nullptr},
                        {"config", ojson{{"meta", to_ordered(c.meta)}, {"tags", c.tags}}},
                        {"tags", c.tags},
                        {"granularity", nullptr},
                        {"doc_blocks", ojson::array()}};
  }
  return out;
}

ojson refs_json(const Node& n) {
  ojson refs = ojson::array();
  for (const auto& r : n.refs)
    refs.push_back(ojson{{"name", r.name}, {"package", null_or(r.package)}, {"version", nullptr}});
  return refs;
}

ojson sources_json(const Node& n) {
  ojson out = ojson::array();
  for (const auto& s : n.sources) out.push_back(ojson::array({s.source, s.table}));
  return out;
}

double created_at() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

ojson source_json(const Node& n) {
  ojson f = n.freshness.is_object() ? to_ordered(n.freshness) : ojson();
  if (f.is_object()) {
    for (const char* k : {"warn_after", "error_after"})
      if (!f.contains(k)) f[k] = ojson{{"count", nullptr}, {"period", nullptr}};
    if (!f.contains("filter")) f["filter"] = nullptr;
  }
  return ojson{
      {"database", n.database},
      {"schema", n.schema},
      {"name", n.name},
      {"resource_type", "source"},
      {"package_name", n.package_name},
      {"path", n.path},
      {"original_file_path", n.original_file_path},
      {"unique_id", n.unique_id},
      {"fqn", n.fqn},
      {"source_name", n.source_name},
      {"source_description", n.source_description},
      {"loader", n.loader},
      {"identifier", n.identifier},
      {"quoting",
       ojson{{"database", nullptr}, {"schema", nullptr}, {"identifier", nullptr}, {"column", nullptr}}},
      {"loaded_at_field", null_or(n.loaded_at_field)},
      {"loaded_at_query", nullptr},
      {"freshness", f},
      {"external", n.external.is_null() ? ojson() : to_ordered(n.external)},
      {"description", n.description},
      {"columns", columns_json(n.columns)},
      {"meta", to_ordered(n.meta)},
      {"source_meta", ojson::object()},
      {"tags", n.tags},
      {"config", to_ordered(n.config)},
      {"patch_path", nullptr},
      {"unrendered_config", ojson::object()},
      {"relation_name", null_or(n.relation_name)},
      {"created_at", created_at()},
      {"unrendered_database", nullptr},
      {"unrendered_schema", nullptr},
      {"doc_blocks", ojson::array()}};
}

ojson exposure_json(const Node& n) {
  const auto& e = n.exposure;
  auto field = [&](const char* k) { return e.contains(k) ? to_ordered(e[k]) : ojson(); };
  return ojson{{"name", n.name},
               {"resource_type", "exposure"},
               {"package_name", n.package_name},
               {"path", n.path},
               {"original_file_path", n.original_file_path},
               {"unique_id", n.unique_id},
               {"fqn", n.fqn},
               {"type", field("type")},
               {"owner", field("owner")},
               {"description", n.description},
               {"label", field("label")},
               {"maturity", field("maturity")},
               {"meta", to_ordered(n.meta)},
               {"tags", n.tags},
               {"config", to_ordered(n.config)},
               {"unrendered_config", ojson::object()},
               {"url", field("url")},
               {"depends_on", ojson{{"macros", ojson::array()}, {"nodes", n.depends_on_nodes}}},
               {"refs", refs_json(n)},
               {"sources", sources_json(n)},
               {"metrics", ojson::array()},
               {"created_at", created_at()}};
}

}  // namespace

ArtifactInfo new_artifact_info(const std::string& pond_version) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  std::uniform_int_distribution<int> hex(0, 15);
  std::string uuid;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) uuid += '-';
    int v = i == 12 ? 4 : i == 16 ? (8 | (hex(gen) & 3)) : hex(gen);
    uuid += "0123456789abcdef"[v];
  }
  auto now = std::chrono::system_clock::now();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char full[96];
  std::snprintf(full, sizeof full, "%s.%06lldZ", buf, static_cast<long long>(micros));
  return ArtifactInfo{uuid, full, pond_version};
}

ojson node_json(const Node& n) {
  if (n.resource_type == ResourceType::kSource) return source_json(n);
  if (n.resource_type == ResourceType::kExposure) return exposure_json(n);
  ojson j{{"database", n.database},
          {"schema", n.schema},
          {"name", n.name},
          {"resource_type", std::string(to_string(n.resource_type))},
          {"package_name", n.package_name},
          {"path", n.path},
          {"original_file_path", n.original_file_path},
          {"unique_id", n.unique_id},
          {"fqn", n.fqn},
          {"alias", n.alias},
          {"checksum", n.checksum.empty() ? ojson{{"name", "none"}, {"checksum", ""}}
                                          : ojson{{"name", "sha256"}, {"checksum", n.checksum}}},
          {"config", to_ordered(n.config)},
          {"tags", n.tags},
          {"description", n.description},
          {"columns", columns_json(n.columns)},
          {"meta", to_ordered(n.meta)},
          {"group", nullptr},
          {"docs", n.config.contains("docs") ? to_ordered(n.config["docs"])
                                             : ojson{{"show", true}, {"node_color", nullptr}}},
          {"patch_path", null_or(n.patch_path)},
          {"build_path", nullptr},
          {"unrendered_config", to_ordered(n.unrendered_config)},
          {"created_at", created_at()},
          {"relation_name", null_or(n.relation_name)},
          {"raw_code", n.raw_code},
          {"doc_blocks", ojson::array()},
          {"language", n.language},
          {"refs", refs_json(n)},
          {"sources", sources_json(n)},
          {"metrics", ojson::array()},
          {"depends_on", ojson{{"macros", n.depends_on_macros}, {"nodes", n.depends_on_nodes}}},
          {"compiled_path", null_or(n.compiled_path)},
          {"contract", ojson{{"enforced", false}, {"alias_types", true}, {"checksum", nullptr}}}};
  if (n.compiled) {
    j["compiled"] = true;
    j["compiled_code"] = n.compiled_code;
    j["extra_ctes_injected"] = true;
    j["extra_ctes"] = ojson::array();
  }
  if (n.resource_type == ResourceType::kModel) {
    j["access"] = "protected";
    j["constraints"] = ojson::array();
    j["version"] = nullptr;
    j["latest_version"] = nullptr;
    j["deprecation_date"] = nullptr;
    j["primary_key"] = ojson::array();
    j["time_spine"] = nullptr;
  }
  if (n.resource_type == ResourceType::kSeed) {
    j["root_path"] = nullptr;
    j["depends_on"] = ojson{{"macros", n.depends_on_macros}};
  }
  if (n.resource_type == ResourceType::kTest && n.test_metadata) {
    j["column_name"] = null_or(n.column_name);
    j["file_key_name"] = nullptr;
    j["attached_node"] = null_or(n.attached_node);
    j["test_metadata"] = ojson{{"name", n.test_metadata->name},
                               {"kwargs", to_ordered(n.test_metadata->kwargs)},
                               {"namespace", null_or(n.test_metadata->namespace_)}};
  }
  return j;
}

ojson macro_json(const Macro& m) {
  ojson args = ojson::array();
  for (const auto& a : m.arguments)
    args.push_back(ojson{{"name", a}, {"type", nullptr}, {"description", ""}});
  return ojson{{"name", m.name},
               {"resource_type", "macro"},
               {"package_name", m.package_name},
               {"path", m.path},
               {"original_file_path", m.original_file_path},
               {"unique_id", m.unique_id},
               {"macro_sql", m.macro_sql},
               {"depends_on", ojson{{"macros", m.depends_on_macros}}},
               {"description", m.description},
               {"meta", ojson::object()},
               {"docs", ojson{{"show", true}, {"node_color", nullptr}}},
               {"patch_path", nullptr},
               {"arguments", args},
               {"created_at", created_at()},
               {"supported_languages", nullptr}};
}

ojson manifest_json(const Manifest& m, const Graph& graph, const ArtifactInfo& info) {
  ojson out;
  out["metadata"] = ojson{
      {"dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json"},
      {"dbt_version", "1.9.0"},
      {"generated_at", info.generated_at},
      {"invocation_id", info.invocation_id},
      {"invocation_started_at", info.generated_at},
      {"env", ojson::object()},
      {"project_name", m.project.name},
      {"project_id", md5_hex(m.project.name)},
      {"user_id", nullptr},
      {"send_anonymous_usage_stats", false},
      {"adapter_type", m.target.type},
      {"quoting", ojson{{"database", true}, {"schema", true}, {"identifier", true}, {"column", nullptr}}},
      {"pond_version", info.pond_version}};
  ojson nodes = ojson::object(), sources = ojson::object(), exposures = ojson::object();
  for (const auto& n : m.nodes) {
    if (n.resource_type == ResourceType::kSource)
      sources[n.unique_id] = node_json(n);
    else if (n.resource_type == ResourceType::kExposure)
      exposures[n.unique_id] = node_json(n);
    else
      nodes[n.unique_id] = node_json(n);
  }
  out["nodes"] = std::move(nodes);
  out["sources"] = std::move(sources);
  ojson macros = ojson::object();
  for (const auto& mc : m.macros) macros[mc.unique_id] = macro_json(mc);
  out["macros"] = std::move(macros);
  ojson docs = ojson::object();
  for (const auto& d : m.docs) {
    docs[d.unique_id] = ojson{{"name", d.name},
                              {"resource_type", "doc"},
                              {"package_name", d.package_name},
                              {"path", d.original_file_path},
                              {"original_file_path", d.original_file_path},
                              {"unique_id", d.unique_id},
                              {"block_contents", d.block_contents}};
  }
  out["docs"] = std::move(docs);
  out["exposures"] = std::move(exposures);
  out["metrics"] = ojson::object();
  out["groups"] = ojson::object();
  out["selectors"] = ojson::object();
  ojson disabled = ojson::object();
  for (const auto& d : m.disabled) disabled[d.unique_id] = ojson::array({node_json(d)});
  out["disabled"] = std::move(disabled);
  ojson parent_map = ojson::object(), child_map = ojson::object();
  for (std::size_t i = 0; i < m.nodes.size(); ++i) {
    ojson parents = ojson::array(), children = ojson::array();
    std::vector<std::string> p, c;
    for (std::size_t x : graph.parents(i)) p.push_back(m.nodes[x].unique_id);
    for (std::size_t x : graph.children(i)) c.push_back(m.nodes[x].unique_id);
    std::sort(p.begin(), p.end());
    parent_map[m.nodes[i].unique_id] = p;
    child_map[m.nodes[i].unique_id] = c;
  }
  out["parent_map"] = std::move(parent_map);
  out["child_map"] = std::move(child_map);
  out["group_map"] = ojson::object();
  out["saved_queries"] = ojson::object();
  out["semantic_models"] = ojson::object();
  out["unit_tests"] = ojson::object();
  return out;
}

void write_manifest(const Manifest& manifest, const Graph& graph, const ArtifactInfo& info,
                    const std::filesystem::path& target_dir) {
  std::error_code ec;
  std::filesystem::create_directories(target_dir, ec);
  if (ec) throw UserError("cannot create " + target_dir.string() + ": " + ec.message());
  std::string text = manifest_json(manifest, graph, info).dump();
  std::filesystem::path tmp = target_dir / "manifest.json.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) throw UserError("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, target_dir / "manifest.json", ec);
  if (ec) throw UserError("cannot write " + (target_dir / "manifest.json").string() + ": " + ec.message());
}

}  // namespace pond::project
