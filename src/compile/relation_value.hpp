#pragma once
// dbt's Relation as a Jinja object (dbt-adapters' BaseRelation as dbt-duckdb's DuckDBRelation
// subclasses it): `{{ ref('x') }}` prints the quoted name; macros read .database/.schema/
// .identifier/.type/.path, test `is mapping` and `.get('metadata')`, and call include(), quote(),
// incorporate(), render(), without_identifier(), information_schema() ... `api.Relation` is
// the class object (create, create_from, the type names).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "jinja/value.hpp"
#include "project/node.hpp"

namespace pond::compile {

// The fields of a relation, as dbt's dataclass holds them.
struct RelationParts {
  std::optional<std::string> database, schema, identifier;
  std::optional<std::string> type;  // table, view, cte, materialized_view, external, ...
  project::QuotePolicy quote_policy;
  project::QuotePolicy include_policy;
  std::optional<std::int64_t> limit;  // render_limited(): --empty reads `limit 0`
  std::string event_time_filter;      // a microbatch batch's condition on the upstream
  std::string external;               // dbt-duckdb: printed instead of the name (a file scan)
  bool dbt_created = false;
  // InformationSchema (relation.information_schema(view)): "db".INFORMATION_SCHEMA[.view]
  bool information_schema = false;
  std::optional<std::string> information_schema_view;
};

class RelationValue final : public jinja::NativeObject {
 public:
  explicit RelationValue(RelationParts parts) : p_(std::move(parts)) {}
  static jinja::Value make(RelationParts parts);
  // A relation of the three parts, quoted as `quoting` says.
  static jinja::Value make(std::string database, std::string schema, std::string identifier,
                           std::string type = "table", project::QuotePolicy quoting = {});

  const RelationParts& parts() const { return p_; }
  std::string render() const;  // dbt's render(): the included parts, quoted by policy

  jinja::Value get_attr(std::string_view name) const override;
  bool call_method(std::string_view name, jinja::CallArgs& args, jinja::Value& result) override;
  bool has_method(std::string_view name) const override;
  bool is_mapping() const override { return true; }
  bool compare(const jinja::Value& other, int& order) const override;
  std::string repr() const override;
  std::string str() const override;
  std::string type_name() const override { return "DuckDBRelation"; }

 private:
  std::string render_limited() const;
  jinja::Value to_dict() const;
  RelationParts p_;
};

// The relation `obj` is (nullptr when it is none).
const RelationParts* relation_parts(const jinja::Value& obj);

// The parts of a relation given as keyword arguments (create(database=, schema=, identifier=,
// type=, quote_policy=, include_policy=, limit=)) or positionally from `first`.
RelationParts relation_from_args(jinja::CallArgs& args, std::size_t first = 0);

// `api.Relation`: create(), create_from(), Table/View/CTE/... names.
jinja::Value relation_class();

}  // namespace pond::compile
