#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace pond::materialize {

// An ephemeral model to inline: its name and compiled SQL (refs to other ephemerals already
// spelled as their CTE names).
struct EphemeralCte {
  std::string name;
  std::string sql;
};

// dbt's CTE name for an ephemeral model: __dbt__cte__<name>.
std::string ephemeral_cte_name(std::string_view model_name);

// Prepends the ephemeral models as CTEs to `sql`, as dbt does: `ctes` in dependency order
// (nested ephemerals first, each once). When `sql` already starts with WITH (after comments),
// the CTEs join its WITH clause instead of nesting a second one.
std::string inject_ctes(std::string_view sql, const std::vector<EphemeralCte>& ctes);

}  // namespace pond::materialize
