#pragma once
// Helpers shared by the Lake's implementation files; not part of the lake's API.
#include <vector>

#include "lake/lake.hpp"

namespace pond::lake {

// A new table's columns from definitions: ids 1..n depth first, orders 1..n per level.
std::vector<Column> columns_from_defs(const std::vector<ColumnDef>& defs);

}  // namespace pond::lake
