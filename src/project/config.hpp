#pragma once
// Node config resolution with dbt's precedence: defaults < dbt_project.yml tree (by folder,
// deeper wins) < schema YAML `config:` < `{{ config(...) }}` in the file. Merging follows
// dbt: tags and hooks accumulate, meta/docs/persist_docs/quoting/grants merge key by key,
// everything else is replaced.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "project/node.hpp"

namespace pond::project {

// dbt's default config of a resource type (the keys a v12 manifest shows).
nlohmann::json default_config(ResourceType type);
// The same, built once per type and shared.
const nlohmann::json& shared_default_config(ResourceType type);

// Canonical spelling: "+key" -> "key", "pre_hook" -> "pre-hook", hooks as
// [{"sql", "transaction", "index"}], tags as a list.
nlohmann::json normalize_config(const nlohmann::json& config);

// Merges normalized `overlay` into `base` with dbt's rules.
void merge_config(nlohmann::json& base, const nlohmann::json& overlay);

// The configs of a dbt_project.yml tree that apply to `fqn`, already merged and normalized.
nlohmann::json tree_config(const nlohmann::json& tree, const std::vector<std::string>& fqn);

// True when `key` names a config (not a folder) inside a dbt_project.yml tree.
bool is_config_key(const std::string& key);
// The config names dbt knows (without '+'), for did-you-mean.
const std::vector<std::string>& known_config_names();

}  // namespace pond::project
