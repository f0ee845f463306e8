#include "materialize/relation.hpp"

namespace pond::materialize {

std::string quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string quoted_csv(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += quote_ident(n);
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
  if (database.empty()) return quote_ident(schema);
  return quote_ident(database) + "." + quote_ident(schema);
}

std::string Relation::render() const {
  return render_schema() + "." + quote_ident(identifier);
}

Relation Relation::with_identifier(std::string id) const {
  return Relation{database, schema, std::move(id)};
}

std::string Relation::display() const {
  return schema + "." + identifier;
}

}  // namespace pond::materialize
