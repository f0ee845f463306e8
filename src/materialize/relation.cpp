#include "materialize/relation.hpp"

namespace pond::materialize {

std::string quoted_csv(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += quote_identifier(n);
  }
  return out;
}

std::vector<std::string> column_names(const std::vector<Column>& columns) {
  std::vector<std::string> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.name);
  return out;
}

std::string Relation::render_schema() const {
  if (database.empty()) return quote_identifier(schema);
  return quote_identifier(database) + "." + quote_identifier(schema);
}

std::string Relation::render() const {
  return render_schema() + "." + quote_identifier(identifier);
}

Relation Relation::with_identifier(std::string id) const {
  return Relation{database, schema, std::move(id)};
}

std::string Relation::display() const {
  return schema + "." + identifier;
}

}  // namespace pond::materialize
