#pragma once
// `contract:`: what a load may change of its table's schema, per resource (as dlt's schema
// contracts). `columns` governs columns the table does not have yet; `data_type` values whose
// type the table's column does not take as it is (one that must be widened, or a clash).
//   evolve         new columns are added, types widened; a clash goes to a variant column
//                  `<col>__v_<type>` (the values that cast to the column's type stay in it)
//   freeze         the load fails, naming the columns; nothing is written
//   discard_value  the new column's values (the value that does not cast) are dropped
//   discard_row    the rows holding such a value are dropped
// A table's first load creates it with the data's columns under any contract.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lake/model.hpp"

namespace pond::ingest {

enum class ContractMode { kEvolve, kFreeze, kDiscardValue, kDiscardRow };

struct Contract {
  ContractMode columns = ContractMode::kEvolve;
  ContractMode data_type = ContractMode::kEvolve;
};

const char* contract_name(ContractMode m);

struct ResourceConfig;

// `select` rewritten so that its rows keep the resource's contract with `table` (nullopt: the
// table does not exist yet; `select` is returned as it is). `given`: the select's columns and
// DuckDB types. Columns named `_pond_...` are pond's own and pass. Throws UserError (the
// resource's pond.yml place, step failed) for what `freeze` refuses.
// `discards` (when given) is set to a query of one row (rows_discarded, values_discarded) counting
// what the contract drops of `select`'s rows, or left empty when it drops nothing.
std::string apply_contract(const ResourceConfig& r, const std::optional<lake::Table>& table,
                           const std::vector<std::pair<std::string, std::string>>& given,
                           const std::string& select, std::string* discards = nullptr);

// The variant column of `column` for values of DuckDB type `type`: "amount__v_text".
std::string variant_column(const std::string& column, const std::string& type);

}  // namespace pond::ingest
