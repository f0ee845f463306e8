#include "ingest/contract.hpp"

#include <cctype>

#include "common/error.hpp"
#include "common/text.hpp"
#include "ingest/resource.hpp"
#include "lake/types.hpp"

namespace pond::ingest {

const char* contract_name(ContractMode m) {
  switch (m) {
    case ContractMode::kEvolve:
      return "evolve";
    case ContractMode::kFreeze:
      return "freeze";
    case ContractMode::kDiscardValue:
      return "discard_value";
    case ContractMode::kDiscardRow:
      return "discard_row";
  }
  return "?";
}

std::string variant_column(const std::string& column, const std::string& type) {
  std::string t = to_lower(type);
  if (t == "varchar") t = "text";
  std::string suffix;
  for (char ch : t) {
    if (std::isalnum(static_cast<unsigned char>(ch)))
      suffix += ch;
    else if (!suffix.empty() && suffix.back() != '_')
      suffix += '_';
  }
  while (!suffix.empty() && suffix.back() == '_') suffix.pop_back();
  return column + "__v_" + suffix;
}

std::string apply_contract(const ResourceConfig& r, const std::optional<lake::Table>& table,
                           const std::vector<std::pair<std::string, std::string>>& given,
                           const std::string& select, std::string* discards) {
  if (!table) return select;
  std::vector<std::string> columns;   // the projection
  std::vector<std::string> keep_row;  // each must hold for a row to be written
  std::vector<std::string> frozen;    // what freeze refuses, for the message
  std::vector<std::string> dropped;   // discard_value: a count of the values it drops, each
  for (const auto& [name, type] : given) {
    const std::string q = quote_identifier(name);
    const lake::Column* have = nullptr;
    for (const auto& c : table->columns)
      if (c.name == name) have = &c;
    if (name.rfind("_pond_", 0) == 0) {
      columns.push_back(q);
      continue;
    }
    if (!have) {
      switch (r.contract.columns) {
        case ContractMode::kEvolve:
          columns.push_back(q);
          break;
        case ContractMode::kFreeze:
          frozen.push_back("new column '" + name + "' (" + type + ")");
          break;
        case ContractMode::kDiscardValue:
          dropped.push_back("count(" + q + ")");
          break;
        case ContractMode::kDiscardRow:
          keep_row.push_back(q + " IS NULL");
          break;
      }
      continue;
    }
    const lake::TypeChange change = lake::type_change(*have, type);
    if (change == lake::TypeChange::kFits ||
        (change == lake::TypeChange::kWidens && r.contract.data_type == ContractMode::kEvolve)) {
      columns.push_back(q);
      continue;
    }
    const std::string have_type = lake::duckdb_type_of(*have);
    const bool nested =
        !have->children.empty() || !lake::column_from_duckdb_type(name, type).children.empty();
    // A value that does not fit the column: NULL after TRY_CAST though not NULL before. Nested
    // values are not cast at all (DuckDB refuses some such casts when binding).
    const std::string cast =
        nested ? "CAST(NULL AS " + have_type + ")" : "TRY_CAST(" + q + " AS " + have_type + ")";
    const std::string misfit = q + " IS NOT NULL AND " + cast + " IS NULL";
    switch (r.contract.data_type) {
      case ContractMode::kEvolve: {
        // A clash: the values that cast stay, the others go to the variant column.
        const std::string variant = variant_column(name, type);
        columns.push_back(cast + " AS " + q);
        columns.push_back("CASE WHEN " + misfit + " THEN " + q + " END AS " + quote_identifier(variant));
        break;
      }
      case ContractMode::kFreeze:
        frozen.push_back("column '" + name + "' is " + have_type + " but the data has " + type);
        break;
      case ContractMode::kDiscardValue:
        columns.push_back(cast + " AS " + q);
        dropped.push_back("count(*) FILTER (WHERE " + misfit + ")");
        break;
      case ContractMode::kDiscardRow:
        columns.push_back(cast + " AS " + q);
        keep_row.push_back("NOT (" + misfit + ")");
        break;
    }
  }
  if (!frozen.empty()) {
    std::string what;
    for (const auto& f : frozen) what += (what.empty() ? "" : "; ") + f;
    throw UserError(
        r.where,
        "ingest resource '" + r.name + "': its contract freezes the schema of " + r.qualified_table() +
            ", and the data changes it: " + what + ". Nothing was loaded",
        "change the source, or set contract: evolve (or discard_value / discard_row) to let the load "
        "through",
        ExitCode::kStepFailed);
  }
  if (discards && (!keep_row.empty() || !dropped.empty())) {
    std::string keep, values;
    for (const auto& k : keep_row) keep += (keep.empty() ? "" : " AND ") + k;
    for (const auto& d : dropped) values += (values.empty() ? "" : " + ") + d;
    *discards = "SELECT " + (keep.empty() ? std::string("0") : "count(*) FILTER (WHERE NOT (" + keep + "))") +
                ", " + (values.empty() ? std::string("0") : values) + " FROM (" + select +
                ") AS pond_contract";
  }
  std::string projection;
  for (const auto& c : columns) projection += (projection.empty() ? "" : ", ") + c;
  std::string out = "SELECT " + projection + " FROM (" + select + ") AS pond_contract";
  for (std::size_t i = 0; i < keep_row.size(); ++i) out += (i ? " AND " : " WHERE ") + keep_row[i];
  return out;
}

}  // namespace pond::ingest
