#include "project/manifest_json.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "common/file_write.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "project/config.hpp"
#include "project/dbt_version.hpp"
#include "project/graph.hpp"
#include "project/hashing.hpp"
#include "project/json_writer.hpp"

namespace pond::project {

namespace {

// dbt's default config of a resource type as JSON members ("key":value), written once: every
// node repeats most of them, and copying text is far cheaper than walking the JSON values.
struct DefaultMember {
  std::string key;
  std::string text;
};
const std::vector<DefaultMember>& default_members(ResourceType type) {
  static const std::array<std::vector<DefaultMember>, kResourceTypeCount> members = [] {
    std::array<std::vector<DefaultMember>, kResourceTypeCount> all;
    for (std::size_t t = 0; t < all.size(); ++t) {
      for (const auto& [k, v] : shared_default_config(static_cast<ResourceType>(t)).items()) {
        std::string text;
        JsonWriter mw(text);
        mw.begin_object().key(k).value(v).end_object();
        mw.finish();
        all[t].push_back(DefaultMember{k, text.substr(1, text.size() - 2)});
      }
    }
    return all;
  }();
  return members[static_cast<std::size_t>(type)];
}

// A node's config with dbt's defaults, merged while writing (both iterate sorted by key).
void write_config(JsonWriter& w, const Node& n) {
  const std::vector<DefaultMember>& d = default_members(n.resource_type);
  const nlohmann::json& c = n.config;
  w.key("config").begin_object();
  auto di = d.begin();
  auto ci = c.begin();
  while (di != d.end() || ci != c.end()) {
    if (ci == c.end() || (di != d.end() && di->key < ci.key())) {
      w.raw_members(di->text);
      ++di;
    } else {
      if (di != d.end() && di->key == ci.key()) ++di;
      w.key(ci.key()).value(*ci);
      ++ci;
    }
  }
  w.end_object();
}

void columns(JsonWriter& w, const std::vector<Column>& cols) {
  w.begin_object();
  for (const auto& c : cols) {
    w.key(c.name).begin_object();
    w.field("name", c.name).field("description", c.description).field("meta", c.meta);
    w.key("data_type").string_or_null(c.data_type);
    w.field("constraints", c.constraints).key("quote").null();
    w.key("config").begin_object().field("meta", c.meta).key("tags").strings(c.tags).end_object();
    w.key("tags").strings(c.tags).key("granularity").null();
    w.key("doc_blocks").begin_array().end_array();
    w.end_object();
  }
  w.end_object();
}

void ref_list(JsonWriter& w, const Node& n) {
  w.key("refs").begin_array();
  for (const auto& r : n.refs) {
    w.begin_object()
        .field("name", r.name)
        .key("package")
        .string_or_null(r.package)
        .key("version")
        .null()
        .end_object();
  }
  w.end_array();
}

void refs(JsonWriter& w, const Node& n) {
  ref_list(w, n);
  w.key("sources").begin_array();
  for (const auto& s : n.sources) w.begin_array().value(s.source).value(s.table).end_array();
  w.end_array();
}

void empty_object(JsonWriter& w, const char* key) {
  w.key(key).begin_object().end_object();
}
void empty_array(JsonWriter& w, const char* key) {
  w.key(key).begin_array().end_array();
}

void common_head(JsonWriter& w, const Node& n, const char* type) {
  w.field("name", n.name).field("resource_type", type).field("package_name", n.package_name);
  w.field("path", n.path).field("original_file_path", n.original_file_path).field("unique_id", n.unique_id);
  w.key("fqn").strings(n.fqn);
}

void write_source(JsonWriter& w, const Node& n, double created) {
  w.begin_object();
  w.field("database", n.database).field("schema", n.schema);
  common_head(w, n, "source");
  w.field("source_name", n.source_name).field("source_description", n.source_description);
  w.field("loader", n.loader).field("identifier", n.identifier);
  w.key("quoting").begin_object();
  for (const char* k : {"database", "schema", "identifier", "column"}) w.key(k).null();
  w.end_object();
  w.key("loaded_at_field").string_or_null(n.loaded_at_field).key("loaded_at_query").null();
  w.key("freshness");
  if (n.freshness.is_object()) {
    nlohmann::json f = n.freshness;
    for (const char* k : {"warn_after", "error_after"})
      if (!f.contains(k)) f[k] = nlohmann::json{{"count", nullptr}, {"period", nullptr}};
    if (!f.contains("filter")) f["filter"] = nullptr;
    w.value(f);
  } else {
    w.null();
  }
  w.field("external", n.external).field("description", n.description);
  w.key("columns");
  columns(w, n.columns);
  w.field("meta", n.meta);
  empty_object(w, "source_meta");
  w.key("tags").strings(n.tags);
  write_config(w, n);
  w.key("patch_path").null();
  empty_object(w, "unrendered_config");
  w.key("relation_name").string_or_null(n.relation_name).field("created_at", created);
  w.key("unrendered_database").null().key("unrendered_schema").null();
  empty_array(w, "doc_blocks");
  w.end_object();
}

void write_exposure(JsonWriter& w, const Node& n, double created) {
  const auto& e = n.exposure;
  auto field = [&](const char* k) -> const nlohmann::json& {
    static const nlohmann::json null_value;
    return e.is_object() && e.contains(k) ? e[k] : null_value;
  };
  w.begin_object();
  common_head(w, n, "exposure");
  w.field("type", field("type")).field("owner", field("owner")).field("description", n.description);
  w.field("label", field("label")).field("maturity", field("maturity")).field("meta", n.meta);
  w.key("tags").strings(n.tags);
  write_config(w, n);
  empty_object(w, "unrendered_config");
  w.field("url", field("url"));
  w.key("depends_on").begin_object();
  empty_array(w, "macros");
  w.key("nodes").strings(n.depends_on_nodes).end_object();
  refs(w, n);
  empty_array(w, "metrics");
  w.field("created_at", created);
  w.end_object();
}

// The group a node's config names, or null.
void group_field(JsonWriter& w, const Node& n) {
  const nlohmann::json* g = n.config_value("group");
  w.key("group");
  if (g && g->is_string())
    w.value(*g);
  else
    w.null();
}

// Unit tests, metrics, semantic models, saved queries: the shared members, then the type's own.
void write_definition(JsonWriter& w, const Node& n, double created) {
  const ResourceType t = n.resource_type;
  w.begin_object();
  common_head(w, n, std::string(to_string(t)).c_str());
  w.field("description", n.description);
  write_config(w, n);
  if (t != ResourceType::kUnitTest) w.field("unrendered_config", n.unrendered_config);
  w.key("depends_on").begin_object();
  empty_array(w, "macros");
  w.key("nodes").strings(n.depends_on_nodes).end_object();
  w.field("created_at", created);
  if (t != ResourceType::kUnitTest) {
    ref_list(w, n);
    group_field(w, n);
  }
  if (t == ResourceType::kMetric) {
    w.field("meta", n.meta);
    empty_array(w, "sources");
    empty_array(w, "metrics");
  }
  if (t == ResourceType::kMetric || t == ResourceType::kSavedQuery) w.key("tags").strings(n.tags);
  if (n.definition.is_object())
    for (const auto& [k, v] : n.definition.items()) w.key(k).value(v);
  w.end_object();
}

void write_node(JsonWriter& w, const Node& n, double created) {
  if (n.resource_type == ResourceType::kSource) return write_source(w, n, created);
  if (n.resource_type == ResourceType::kExposure) return write_exposure(w, n, created);
  if (is_definition_only(n.resource_type)) return write_definition(w, n, created);
  w.begin_object();
  w.field("database", n.database).field("schema", n.schema);
  common_head(w, n, std::string(to_string(n.resource_type)).c_str());
  w.field("alias", n.alias);
  w.key("checksum").begin_object();
  w.field("name", n.checksum.empty() ? "none" : "sha256").field("checksum", n.checksum).end_object();
  write_config(w, n);
  w.key("tags").strings(n.tags).field("description", n.description);
  w.key("columns");
  columns(w, n.columns);
  w.field("meta", n.meta);
  group_field(w, n);
  w.key("docs");
  if (const nlohmann::json* docs = n.config_value("docs"))
    w.value(*docs);
  else
    w.begin_object().field("show", true).key("node_color").null().end_object();
  w.key("patch_path").string_or_null(n.patch_path).key("build_path").null();
  w.field("unrendered_config", n.unrendered_config).field("created_at", created);
  w.key("relation_name").string_or_null(n.relation_name);
  w.field("raw_code", n.raw_code);
  empty_array(w, "doc_blocks");
  // dbt's Seed has no language, refs, sources, metrics, compiled path or contract.
  const bool seed = n.resource_type == ResourceType::kSeed;
  if (!seed) {
    w.field("language", n.language);
    refs(w, n);
    empty_array(w, "metrics");
  }
  w.key("depends_on").begin_object().key("macros").strings(n.depends_on_macros);
  if (!seed) w.key("nodes").strings(n.depends_on_nodes);
  w.end_object();
  if (!seed) w.key("compiled_path").string_or_null(n.compiled_path);
  if (n.compiled) {
    w.field("compiled", true).field("compiled_code", n.compiled_code);
    w.field("extra_ctes_injected", true);
    empty_array(w, "extra_ctes");
  }
  if (!seed) {
    w.key("contract")
        .begin_object()
        .field("enforced", false)
        .field("alias_types", true)
        .key("checksum")
        .null();
    w.end_object();
  }
  if (n.resource_type == ResourceType::kModel) {
    const nlohmann::json* access = n.config_value("access");
    w.field("access", access && access->is_string() ? access->get<std::string>() : "protected");
    empty_array(w, "constraints");
    w.key("version").null().key("latest_version").null().key("deprecation_date").null();
    empty_array(w, "primary_key");
    w.key("time_spine").null();
  }
  if (n.resource_type == ResourceType::kSeed) w.key("root_path").null();
  if (n.resource_type == ResourceType::kTest && n.test_metadata) {
    w.key("column_name").string_or_null(n.column_name).key("file_key_name").null();
    w.key("attached_node").string_or_null(n.attached_node);
    w.key("test_metadata").begin_object().field("name", n.test_metadata->name);
    w.field("kwargs", n.test_metadata->kwargs).key("namespace").string_or_null(n.test_metadata->namespace_);
    w.end_object();
  }
  w.end_object();
}

void write_macro(JsonWriter& w, const Macro& m, double created) {
  w.begin_object();
  w.field("name", m.name).field("resource_type", "macro").field("package_name", m.package_name);
  w.field("path", m.path).field("original_file_path", m.original_file_path).field("unique_id", m.unique_id);
  w.field("macro_sql", m.macro_sql);
  w.key("depends_on").begin_object().key("macros").strings(m.depends_on_macros).end_object();
  w.field("description", m.description);
  empty_object(w, "meta");
  w.key("docs").begin_object().field("show", true).key("node_color").null().end_object();
  w.key("patch_path").null();
  w.key("arguments").begin_array();
  for (const auto& a : m.arguments)
    w.begin_object().field("name", a).key("type").null().field("description", "").end_object();
  w.end_array();
  w.field("created_at", created).key("supported_languages").null();
  w.end_object();
}

// Renders object members ("key":value,...) for items [0, n) with `one(writer, i)`, in batches
// alternating between this thread and a helper, and appends them in order. Writing the JSON is
// a fifth of `pond parse`; memory stays bounded (two batches of text at a time).
template <typename Fn>
void parallel_members(JsonWriter& w, std::size_t n, const Fn& one) {
  constexpr std::size_t kBatch = 512;
  auto render = [&](std::size_t begin, std::size_t end, std::string& text) {
    JsonWriter bw(text);
    bw.begin_object();  // members need an open object for their commas; its braces are cut off
    for (std::size_t i = begin; i < end; ++i) one(bw, i);
    bw.end_object();
  };
  auto members = [](const std::string& text) { return std::string_view(text).substr(1, text.size() - 2); };
  std::string first, second;
  for (std::size_t start = 0; start < n; start += 2 * kBatch) {
    std::size_t mid = std::min(start + kBatch, n);
    std::size_t end = std::min(start + 2 * kBatch, n);
    first.clear();
    second.clear();
    if (mid == end) {
      render(start, mid, first);
    } else {
      std::exception_ptr error;
      std::jthread helper([&] {
        try {
          render(mid, end, second);
        } catch (...) {
          error = std::current_exception();
        }
      });
      render(start, mid, first);
      helper.join();
      if (error) std::rethrow_exception(error);
    }
    w.raw_members(members(first));
    if (!second.empty()) w.raw_members(members(second));
    w.flush(1 << 20);
  }
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

ArtifactInfo new_artifact_info(const std::string& pond_version) {
  return ArtifactInfo{random_uuid(), iso_utc_now(), pond_version};
}

std::string node_json_text(const Node& node) {
  std::string out;
  JsonWriter w(out);
  write_node(w, node, now_seconds());
  w.finish();
  return out;
}

nlohmann::ordered_json node_json(const Node& node) {
  return nlohmann::ordered_json::parse(node_json_text(node));
}

std::string manifest_text(const Manifest& m, const Graph& graph, const ArtifactInfo& info) {
  std::ostringstream out;
  write_manifest_to(out, m, graph, info);
  return out.str();
}

void write_manifest_to(std::ostream& sink, const Manifest& m, const Graph& graph, const ArtifactInfo& info) {
  const double created = now_seconds();
  std::string out;
  out.reserve((1 << 20) + (1 << 16));
  JsonWriter w(out, &sink);
  w.begin_object();
  w.key("metadata").begin_object();
  w.field("dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json");
  w.field("dbt_version", kDbtVersion).field("generated_at", info.generated_at);
  w.field("invocation_id", info.invocation_id).field("invocation_started_at", info.generated_at);
  empty_object(w, "env");
  w.field("project_name", m.project.name).field("project_id", md5_hex(m.project.name));
  w.key("user_id").null().field("send_anonymous_usage_stats", false).field("adapter_type", m.target.type);
  w.key("quoting").begin_object().field("database", true).field("schema", true).field("identifier", true);
  w.key("column").null().end_object();
  w.end_object();
  auto section = [&](const char* name, auto keep) {
    std::vector<const Node*> picked;
    for (const auto& n : m.nodes)
      if (keep(n.resource_type)) picked.push_back(&n);
    w.key(name).begin_object();
    parallel_members(w, picked.size(), [&](JsonWriter& bw, std::size_t i) {
      bw.key(picked[i]->unique_id);
      write_node(bw, *picked[i], created);
    });
    w.end_object();
  };
  section("nodes", [](ResourceType t) { return !is_definition_only(t); });
  section("sources", [](ResourceType t) { return t == ResourceType::kSource; });
  w.key("macros").begin_object();
  for (const auto& mc : m.macros) {
    w.key(mc.unique_id);
    write_macro(w, mc, created);
  }
  w.end_object();
  w.key("docs").begin_object();
  for (const auto& d : m.docs) {
    w.key(d.unique_id).begin_object();
    w.field("name", d.name).field("resource_type", "doc").field("package_name", d.package_name);
    w.field("path", d.original_file_path).field("original_file_path", d.original_file_path);
    w.field("unique_id", d.unique_id).field("block_contents", d.block_contents).end_object();
  }
  w.end_object();
  section("exposures", [](ResourceType t) { return t == ResourceType::kExposure; });
  section("metrics", [](ResourceType t) { return t == ResourceType::kMetric; });
  w.key("groups").begin_object();
  for (const auto& g : m.groups) {
    w.key(g.unique_id).begin_object();
    w.field("name", g.name).field("resource_type", "group").field("package_name", g.package_name);
    w.field("path", g.path).field("original_file_path", g.original_file_path).field("unique_id", g.unique_id);
    w.field("owner", g.owner).field("description", g.description).field("config", g.config);
    w.end_object();
  }
  w.end_object();
  empty_object(w, "selectors");
  w.key("disabled").begin_object();
  parallel_members(w, m.disabled.size(), [&](JsonWriter& bw, std::size_t i) {
    bw.key(m.disabled[i].unique_id).begin_array();
    write_node(bw, m.disabled[i], created);
    bw.end_array();
  });
  w.end_object();
  for (bool parents : {true, false}) {
    w.key(parents ? "parent_map" : "child_map").begin_object();
    parallel_members(w, m.nodes.size(), [&](JsonWriter& bw, std::size_t i) {
      std::vector<std::string_view> ids;
      for (std::size_t x : parents ? graph.parents(i) : graph.children(i))
        ids.push_back(m.nodes[x].unique_id);
      std::sort(ids.begin(), ids.end());
      bw.key(m.nodes[i].unique_id).begin_array();
      for (auto id : ids) bw.value(id);
      bw.end_array();
    });
    w.end_object();
  }
  // group_map: each group's members (nodes, metrics, semantic models, saved queries), as dbt.
  std::map<std::string, std::vector<std::string_view>> members;
  for (const auto& g : m.groups) members[g.name];
  for (const auto& n : m.nodes) {
    if (n.resource_type == ResourceType::kSource || n.resource_type == ResourceType::kExposure ||
        n.resource_type == ResourceType::kUnitTest)
      continue;
    const nlohmann::json* g = n.config_value("group");
    if (g && g->is_string() && members.count(g->get<std::string>()))
      members[g->get<std::string>()].push_back(n.unique_id);
  }
  w.key("group_map").begin_object();
  for (const auto& [name, ids] : members) {
    w.key(name).begin_array();
    for (auto id : ids) w.value(id);
    w.end_array();
  }
  w.end_object();
  section("saved_queries", [](ResourceType t) { return t == ResourceType::kSavedQuery; });
  section("semantic_models", [](ResourceType t) { return t == ResourceType::kSemanticModel; });
  section("unit_tests", [](ResourceType t) { return t == ResourceType::kUnitTest; });
  w.end_object();
  w.flush();
}

nlohmann::ordered_json manifest_json(const Manifest& m, const Graph& graph, const ArtifactInfo& info) {
  return nlohmann::ordered_json::parse(manifest_text(m, graph, info));
}

void write_manifest(const Manifest& manifest, const Graph& graph, const ArtifactInfo& info,
                    const std::filesystem::path& target_dir) {
  write_file_atomically(target_dir / "manifest.json",
                        [&](std::ostream& out) { write_manifest_to(out, manifest, graph, info); });
}

}  // namespace pond::project
