#pragma once
// `pond partitions add NAME KEY...` / `pond partitions remove NAME KEY...`: the keys of a
// dynamic partitions definition, kept in the run store.
#include <iosfwd>
#include <string>
#include <vector>

#include "orchestrate/workspace.hpp"

namespace pond::orchestrate {

// Adds the keys (those already there are left alone). Throws UserError (nothing added) for a
// definition that is not dynamic and for an empty key or one holding '|' or ','.
int add_partition_keys(Workspace& ws, const std::string& definition, const std::vector<std::string>& keys,
                       std::ostream& out);
// Removes the keys; a key the definition does not have is an error (nothing removed). What was
// recorded for the partitions stays in the run store.
int remove_partition_keys(Workspace& ws, const std::string& definition, const std::vector<std::string>& keys,
                          std::ostream& out);

}  // namespace pond::orchestrate
