#pragma once
// dbt's selection syntax over the whole asset graph: a criterion picks dbt nodes as dbt does
// (project/select.hpp) and command assets by name, tag, group, path (their code files) or
// resource_type:command; graph operators (+, N+, @) and unions, intersections and --exclude
// then work on the asset graph, so `+export` reaches through command assets into dbt models.
#include <cstddef>
#include <string>
#include <vector>

#include "orchestrate/asset_graph.hpp"

namespace pond::orchestrate {

// Asset indexes, ascending. An empty `select` picks every asset. Throws UserError for unknown
// methods or selectors.
std::vector<std::size_t> select_assets(const AssetGraph& graph, const std::vector<std::string>& select,
                                       const std::vector<std::string>& exclude = {});

}  // namespace pond::orchestrate
