#pragma once
// The commands, one file each (cmd_<name>.cpp). Flags are bound in app.cpp, the only file
// that includes CLI11; each command gets plain option structs.
#include <optional>
#include <string>

#include "cli/context.hpp"

namespace pond::cli {

struct InitOptions {
  std::string directory;
};
int run_init(CommandContext& ctx, const InitOptions& options);

int run_debug(CommandContext& ctx);

struct ShowOptions {
  std::optional<std::string> inline_sql;
  long limit = 5;  // negative: no limit
  std::string output = "table";
};
int run_show(CommandContext& ctx, const ShowOptions& options);

// `pond --version`: pond's version and commit, and the DuckDB library actually loaded.
std::string version_text();

}  // namespace pond::cli
