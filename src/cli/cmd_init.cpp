#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/scaffold.hpp"

namespace pond::cli {

int run_init(CommandContext&, const InitOptions& options) {
  std::filesystem::path dir = std::filesystem::absolute(options.directory).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  std::string name = project_name_from(dir.filename().string());
  auto files = write_scaffold(dir, name);
  std::cout << fmt::format("Created project '{}' in {} ({} files)\n\n", name, dir.string(), files.size());
  for (const auto& f : files) std::cout << "  " << std::filesystem::relative(f, dir).string() << "\n";
  std::cout << fmt::format(
      "\nNext:\n  cd {}\n  pond debug\n  pond show --inline \"select * from "
      "read_csv('seeds/raw_orders.csv')\"\n",
      options.directory);
  return 0;
}

}  // namespace pond::cli
