#pragma once
// Generic test nodes from schema YAML, named and hashed exactly as dbt does so unique_ids
// match dbt's manifests (e.g. "test.jaffle_shop.not_null_orders_order_id.cf6c17daed").
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "project/node.hpp"
#include "project/schema_yaml.hpp"

namespace pond::project {

// dbt's synthesize_generic_test_names: {short name (hashed when >= 64 chars), full name}.
std::pair<std::string, std::string> generic_test_names(const std::string& test_type,
                                                       const std::string& target_name,
                                                       const nlohmann::json& args);

// Python's repr() of dbt's "hashable" test metadata (every leaf as str()).
std::string python_repr_hashable(const nlohmann::json& value);

// The node a test is declared on.
struct TestTarget {
  const Node* node = nullptr;  // model/seed/snapshot/analysis (patched) or source table
};

// Builds the test node (name, unique_id, fqn, kwargs, refs, raw_code). Config is resolved by
// the caller (it needs the project's `tests:` tree). `yaml` is the file that declared it.
Node make_generic_test(const TestSpec& spec, const Node& target, const SchemaFile& yaml,
                       const std::string& package);

}  // namespace pond::project
