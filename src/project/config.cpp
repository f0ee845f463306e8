#include "project/config.hpp"

#include <algorithm>
#include <array>

namespace pond::project {

namespace {

using nlohmann::json;

const std::vector<std::string>& known_configs() {
  static const std::vector<std::string> keys{"enabled",
                                             "materialized",
                                             "schema",
                                             "database",
                                             "alias",
                                             "tags",
                                             "meta",
                                             "pre-hook",
                                             "post-hook",
                                             "pre_hook",
                                             "post_hook",
                                             "persist_docs",
                                             "docs",
                                             "quoting",
                                             "column_types",
                                             "full_refresh",
                                             "unique_key",
                                             "on_schema_change",
                                             "on_configuration_change",
                                             "incremental_strategy",
                                             "grants",
                                             "contract",
                                             "access",
                                             "group",
                                             "event_time",
                                             "location",
                                             "format",
                                             "partition_by",
                                             "options",
                                             "strategy",
                                             "updated_at",
                                             "check_cols",
                                             "target_schema",
                                             "target_database",
                                             "invalidate_hard_deletes",
                                             "snapshot_meta_column_names",
                                             "hard_deletes",
                                             "dbt_valid_to_current",
                                             "severity",
                                             "store_failures",
                                             "store_failures_as",
                                             "where",
                                             "limit",
                                             "fail_calc",
                                             "warn_if",
                                             "error_if",
                                             "quote_columns",
                                             "delimiter",
                                             "freshness",
                                             "loaded_at_field",
                                             "sql_header",
                                             "batch_size",
                                             "begin",
                                             "lookback",
                                             "concurrent_batches",
                                             "packages",
                                             "external_location",
                                             "file_format",
                                             "unique_key",
                                             "merge_update_columns",
                                             "merge_exclude_columns",
                                             "incremental_predicates",
                                             "glue_register",
                                             "tblproperties"};
  return keys;
}

const std::vector<std::string>& merged_dicts() {
  static const std::vector<std::string> keys{"meta",   "docs",         "persist_docs", "quoting",
                                             "grants", "column_types", "contract"};
  return keys;
}

json hook_list(const json& value) {
  json out = json::array();
  auto add = [&](const json& h) {
    if (h.is_string()) {
      out.push_back(json{{"sql", h.get<std::string>()}, {"transaction", true}, {"index", nullptr}});
    } else if (h.is_object()) {
      json o{{"sql", h.value("sql", std::string())},
             {"transaction", h.value("transaction", true)},
             {"index", nullptr}};
      out.push_back(o);
    }
  };
  if (value.is_array()) {
    for (const auto& h : value) add(h);
  } else if (!value.is_null()) {
    add(value);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& known_config_names() {
  return known_configs();
}

bool is_config_key(const std::string& key) {
  if (!key.empty() && key[0] == '+') return true;
  return std::find(known_configs().begin(), known_configs().end(), key) != known_configs().end();
}

json default_config(ResourceType type) {
  json c{{"enabled", true},       {"alias", nullptr},       {"schema", nullptr}, {"database", nullptr},
         {"tags", json::array()}, {"meta", json::object()}, {"group", nullptr}};
  switch (type) {
    case ResourceType::kModel:
    case ResourceType::kSeed:
    case ResourceType::kSnapshot:
    case ResourceType::kAnalysis:
      c["materialized"] = type == ResourceType::kSeed       ? "seed"
                          : type == ResourceType::kSnapshot ? "snapshot"
                                                            : "view";
      c["incremental_strategy"] = nullptr;
      c["batch_size"] = nullptr;
      c["lookback"] = 1;
      c["begin"] = nullptr;
      c["persist_docs"] = json::object();
      c["post-hook"] = json::array();
      c["pre-hook"] = json::array();
      c["quoting"] = json::object();
      c["column_types"] = json::object();
      c["full_refresh"] = nullptr;
      c["unique_key"] = nullptr;
      c["on_schema_change"] = "ignore";
      c["on_configuration_change"] = "apply";
      c["grants"] = json::object();
      c["packages"] = json::array();
      c["docs"] = json{{"show", true}, {"node_color", nullptr}};
      c["contract"] = json{{"enforced", false}, {"alias_types", true}};
      c["event_time"] = nullptr;
      c["concurrent_batches"] = nullptr;
      if (type == ResourceType::kModel) c["access"] = "protected";
      if (type == ResourceType::kSeed) {
        c["delimiter"] = ",";
        c["quote_columns"] = nullptr;
      }
      if (type == ResourceType::kSnapshot) {
        c["strategy"] = nullptr;
        c["target_schema"] = nullptr;
        c["target_database"] = nullptr;
        c["updated_at"] = nullptr;
        c["check_cols"] = nullptr;
        c["dbt_valid_to_current"] = nullptr;
      }
      break;
    case ResourceType::kTest:
      c["schema"] = "dbt_test__audit";
      c["materialized"] = "test";
      c["severity"] = "ERROR";
      c["store_failures"] = nullptr;
      c["store_failures_as"] = nullptr;
      c["where"] = nullptr;
      c["limit"] = nullptr;
      c["fail_calc"] = "count(*)";
      c["warn_if"] = "!= 0";
      c["error_if"] = "!= 0";
      break;
    case ResourceType::kSource:
    case ResourceType::kExposure:
      c = json{{"enabled", true}};
      if (type == ResourceType::kSource) c["event_time"] = nullptr;
      break;
    case ResourceType::kUnitTest:
      c = json{{"enabled", true}, {"tags", json::array()}, {"meta", json::object()}};
      break;
    case ResourceType::kMetric:
    case ResourceType::kSemanticModel:
    case ResourceType::kSavedQuery:
      c = json{{"enabled", true}, {"group", nullptr}, {"meta", json::object()}};
      if (type == ResourceType::kSavedQuery) {
        c["export_as"] = nullptr;
        c["schema"] = nullptr;
        c["cache"] = json{{"enabled", false}};
      }
      break;
    case ResourceType::kMacro:
      c = json::object();
      break;
  }
  return c;
}

const json& shared_default_config(ResourceType type) {
  static const std::array<json, kResourceTypeCount> defaults = [] {
    std::array<json, kResourceTypeCount> d;
    for (std::size_t t = 0; t < d.size(); ++t) d[t] = default_config(static_cast<ResourceType>(t));
    return d;
  }();
  return defaults[static_cast<std::size_t>(type)];
}

json normalize_config(const json& config) {
  json out = json::object();
  if (!config.is_object()) return out;
  for (const auto& [raw_key, value] : config.items()) {
    std::string key = !raw_key.empty() && raw_key[0] == '+' ? raw_key.substr(1) : raw_key;
    if (key == "pre_hook") key = "pre-hook";
    if (key == "post_hook") key = "post-hook";
    if (key == "pre-hook" || key == "post-hook") {
      out[key] = hook_list(value);
    } else if (key == "tags") {
      out[key] = value.is_string() ? json::array({value}) : value.is_array() ? value : json::array();
    } else {
      out[key] = value;
    }
  }
  return out;
}

void merge_config(json& base, const json& overlay) {
  for (const auto& [key, value] : overlay.items()) {
    if (key == "tags") {
      json& tags = base["tags"];
      if (!tags.is_array()) tags = json::array();
      for (const auto& t : value)
        if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
    } else if (key == "pre-hook" || key == "post-hook") {
      json& hooks = base[key];
      if (!hooks.is_array()) hooks = json::array();
      for (const auto& h : value) hooks.push_back(h);
    } else if (value.is_object() &&
               std::find(merged_dicts().begin(), merged_dicts().end(), key) != merged_dicts().end()) {
      json& dict = base[key];
      if (!dict.is_object()) dict = json::object();
      for (const auto& [k, v] : value.items()) dict[k] = v;
    } else {
      base[key] = value;
    }
  }
}

json tree_config(const json& tree, const std::vector<std::string>& fqn) {
  json out = json::object();
  const json* level = &tree;
  std::size_t depth = 0;
  while (level && level->is_object()) {
    json here = json::object();
    for (const auto& [key, value] : level->items()) {
      if (is_config_key(key) &&
          !(key[0] != '+' && value.is_object() && depth < fqn.size() && key == fqn[depth])) {
        here[key] = value;
      }
    }
    merge_config(out, normalize_config(here));
    if (depth >= fqn.size()) break;
    auto it = level->find(fqn[depth]);
    level = it != level->end() ? &*it : nullptr;
    ++depth;
  }
  return out;
}

}  // namespace pond::project
