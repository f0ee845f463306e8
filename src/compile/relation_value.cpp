#include "compile/relation_value.hpp"

#include "project/relation.hpp"

namespace pond::compile {

using jinja::Value;

RelationValue::RelationValue(std::string database, std::string schema, std::string identifier,
                             std::string rendered, std::string type, project::QuotePolicy quoting)
    : database_(std::move(database)),
      schema_(std::move(schema)),
      identifier_(std::move(identifier)),
      rendered_(std::move(rendered)),
      type_(std::move(type)),
      quoting_(quoting) {}

Value RelationValue::make(std::string database, std::string schema, std::string identifier,
                          std::string rendered, std::string type, project::QuotePolicy quoting) {
  return Value::object(std::make_shared<RelationValue>(std::move(database), std::move(schema), std::move(identifier),
                                                       std::move(rendered), std::move(type), quoting));
}

Value RelationValue::get_attr(std::string_view name) const {
  auto or_none = [](const std::string& s) { return s.empty() ? Value::none() : Value(s); };
  if (name == "database") return or_none(database_);
  if (name == "schema") return or_none(schema_);
  if (name == "identifier" || name == "name" || name == "table") return or_none(identifier_);
  if (name == "type") return Value(type_);
  if (name == "is_table") return Value(type_ == "table");
  if (name == "is_view") return Value(type_ == "view");
  if (name == "is_cte") return Value(type_ == "cte");
  return Value::undefined();
}

bool RelationValue::has_method(std::string_view name) const {
  return name == "include" || name == "render" || name == "incorporate" || name == "quote";
}

bool RelationValue::call_method(std::string_view name, jinja::CallArgs& args, Value& result) {
  if (name == "render") {
    result = Value(str());
    return true;
  }
  if (name == "include" || name == "incorporate" || name == "quote") {
    auto copy = std::make_shared<RelationValue>(*this);
    if (name == "include") {
      if (const Value* v = args.kwarg("database")) copy->include_database_ = v->truthy();
      if (const Value* v = args.kwarg("schema")) copy->include_schema_ = v->truthy();
      if (const Value* v = args.kwarg("identifier")) copy->include_identifier_ = v->truthy();
      copy->rendered_.clear();
    } else if (name == "incorporate") {
      if (const Value* p = args.kwarg("path"); p && p->is_dict()) {
        if (const Value* v = p->as_dict().find_str("identifier")) copy->identifier_ = v->str();
        if (const Value* v = p->as_dict().find_str("schema")) copy->schema_ = v->str();
        if (const Value* v = p->as_dict().find_str("database")) copy->database_ = v->str();
        copy->rendered_.clear();
      }
      if (const Value* t = args.kwarg("type")) copy->type_ = t->str();
    } else {  // quote(database=, schema=, identifier=): changes the quote policy, as dbt's
      if (const Value* v = args.kwarg("database")) copy->quoting_.database = v->truthy();
      if (const Value* v = args.kwarg("schema")) copy->quoting_.schema = v->truthy();
      if (const Value* v = args.kwarg("identifier")) copy->quoting_.identifier = v->truthy();
      copy->rendered_.clear();
    }
    result = Value::object(std::move(copy));
    return true;
  }
  return false;
}

std::string RelationValue::str() const {
  if (!rendered_.empty()) return rendered_;
  return project::render_relation(include_database_ ? database_ : std::string(),
                                  include_schema_ ? schema_ : std::string(),
                                  include_identifier_ ? identifier_ : std::string(), quoting_);
}

std::string RelationValue::repr() const {
  return "<DuckDBRelation " + str() + ">";
}

}  // namespace pond::compile
