#pragma once
// When reading a load's files fails, which file broke and where: each file is read again on
// its own, and the first that fails gives the error (resource, file, line and DuckDB's reason).
#include <string>
#include <vector>

#include "ingest/resource.hpp"
#include "ingest/source_files.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::ingest {

// DuckDB's error text without its advice lists and option dumps (pond gives its own hint).
std::string short_engine_message(const std::string& message);

// Throws the UserError (exit 1) for a failed read of `files`: the first file that fails to read
// alone, with its line where DuckDB knows it. `failure` is the original error (used when every
// file reads alone, e.g. when files disagree with each other).
[[noreturn]] void throw_read_error(engine::Connection& con, const ResourceConfig& r,
                                   const std::vector<SourceFile>& files, const std::string& failure);

}  // namespace pond::ingest
