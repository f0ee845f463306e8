#pragma once
// Code versions: what an asset's materialization was made from, so that status can say "code
// changed". A dbt node's is a hash of its file (dbt's checksum) and its config, not of the SQL it
// compiles to: compiled SQL also changes with a partition's vars, which is no change of code. A
// command asset's is a hash of its command line, environment, output settings and the contents
// of the files it names (and of its `code:` globs).
#include <filesystem>
#include <string>
#include <vector>

#include "orchestrate/config.hpp"

namespace pond::project {
struct Node;
}

namespace pond::orchestrate {

std::string dbt_code_version(const project::Node& node);
// Project-relative paths of the files a command asset runs: words of its command line that
// name files (relative to its working folder), and the files its `code:` globs match.
std::vector<std::string> command_files(const AssetConfig& asset, const std::filesystem::path& project_root);
// An ingest resource's: a hash of its settings (how files are read and written), not of the data.
std::string ingest_code_version(const ingest::ResourceConfig& resource);
std::string command_code_version(const AssetConfig& asset, const std::vector<std::string>& files,
                                 const std::filesystem::path& project_root);

}  // namespace pond::orchestrate
