#pragma once
// dbt's node selection syntax, parsed into a tree: `--select`/`--exclude` arguments (space =
// union, comma = intersection), criteria `[@][N+]method:value[+N]`, and selectors.yml
// definitions. Evaluation is in select.hpp.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::project {

// One criterion such as `+tag:nightly+2` or `@stg_orders`.
struct SelectionCriterion {
  std::string method = "fqn";  // fqn, path, file, tag, config.<key>, resource_type, source, ...
  std::string value;
  bool parents = false;
  int parents_depth = -1;  // < 0: unlimited
  bool children = false;
  int children_depth = -1;
  bool childrens_parents = false;  // the `@` operator
  std::string indirect_selection;  // selectors.yml override, else ""
  std::string raw;                 // as written, for messages
};

// A selection expression: one criterion, or a union/intersection/difference of expressions
// (a difference is children[0] minus the union of the rest).
struct SelectionSpec {
  enum class Kind { kCriterion, kUnion, kIntersection, kDifference };
  Kind kind = Kind::kUnion;
  SelectionCriterion criterion;
  std::vector<SelectionSpec> children;
};

// The selection methods pond knows (for errors and did-you-mean).
const std::vector<std::string>& selection_methods();

// `[@][N+]method:value[+N]`. Throws UserError for an unknown method or a malformed depth.
SelectionCriterion parse_criterion(std::string_view text);

// The values of repeated `--select` flags: each value is split on spaces (union) and commas
// (intersection). An empty list parses to an empty union.
SelectionSpec parse_selection(const std::vector<std::string>& args);

// One `selectors:` entry of selectors.yml.
struct NamedSelector {
  std::string name;
  std::string description;
  bool is_default = false;
  SelectionSpec definition;
};

// selectors.yml of the project (empty when the file does not exist). Errors name file:line:col.
std::map<std::string, NamedSelector> load_selectors(const std::filesystem::path& project_root);

}  // namespace pond::project
