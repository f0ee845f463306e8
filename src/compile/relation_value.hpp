#pragma once
// dbt's Relation as a Jinja object: `{{ ref('x') }}` prints the quoted name, and macros read
// .database/.schema/.identifier/.name, call .include(...) or .render().
#include <memory>
#include <string>

#include "jinja/value.hpp"
#include "project/node.hpp"

namespace pond::compile {

class RelationValue final : public jinja::NativeObject {
 public:
  RelationValue(std::string database, std::string schema, std::string identifier, std::string rendered = {},
                std::string type = "table", project::QuotePolicy quoting = {});

  static jinja::Value make(std::string database, std::string schema, std::string identifier,
                           std::string rendered = {}, std::string type = "table", project::QuotePolicy quoting = {});

  jinja::Value get_attr(std::string_view name) const override;
  bool call_method(std::string_view name, jinja::CallArgs& args, jinja::Value& result) override;
  bool has_method(std::string_view name) const override;
  std::string repr() const override;
  std::string str() const override;
  std::string type_name() const override { return "DuckDBRelation"; }

 private:
  std::string database_, schema_, identifier_, rendered_, type_;
  bool include_database_ = true, include_schema_ = true, include_identifier_ = true;
  project::QuotePolicy quoting_;
};

}  // namespace pond::compile
