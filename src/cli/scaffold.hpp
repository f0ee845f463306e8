#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/embedded_file.hpp"

namespace pond::cli {

// The files of the example project compiled into the binary (examples/shop).
const std::vector<EmbeddedFile>& scaffold_files();

// Writes the example project into `dir`, named `name` (a dbt identifier). Refuses a
// non-empty `dir`. Returns the files written.
std::vector<std::filesystem::path> write_scaffold(const std::filesystem::path& dir, std::string_view name);

// `raw` turned into a valid dbt project name (letters, digits, underscores; not starting with a digit).
std::string project_name_from(std::string_view raw);

}  // namespace pond::cli
