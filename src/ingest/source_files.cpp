#include "ingest/source_files.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/result.hpp"

namespace pond::ingest {

namespace fs = std::filesystem;

bool is_glob(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

namespace {

std::int64_t mtime_us(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
}

SourceFile describe(const fs::path& full, const fs::path& root) {
  SourceFile f;
  f.full = full.lexically_normal();
  fs::path rel = f.full.lexically_relative(root.lexically_normal());
  bool inside = !rel.empty() && *rel.begin() != "..";
  f.path = inside ? rel.generic_string() : f.full.generic_string();
  f.size = static_cast<std::int64_t>(fs::file_size(f.full));
  f.mtime_us = mtime_us(f.full);
  return f;
}

}  // namespace

std::vector<SourceFile> list_source_files(engine::Connection& con, const std::string& resource,
                                          const std::string& pattern, const fs::path& root) {
  fs::path full = fs::path(pattern).is_absolute() ? fs::path(pattern) : root / pattern;
  std::vector<SourceFile> out;
  std::error_code ec;
  if (!is_glob(pattern)) {
    if (!fs::is_regular_file(full, ec))
      throw UserError("ingest resource '" + resource + "': no file " + full.string(),
                      fs::exists(full, ec) ? "'path:' must name files (a folder's files: " + pattern + "/*)"
                                           : "check 'path:' in pond.yml (relative to the project folder)",
                      ExitCode::kStepFailed);
    out.push_back(describe(full, root));
    return out;
  }
  // The folder before the first glob character must exist: a typo there is not "no new files".
  std::string text = full.string();
  fs::path folder = fs::path(text.substr(0, text.find_first_of("*?["))).parent_path();
  if (!fs::is_directory(folder, ec))
    throw UserError(
        "ingest resource '" + resource + "': no folder " + folder.string() + " (path: " + pattern + ")",
        "check 'path:' in pond.yml (relative to the project folder)", ExitCode::kStepFailed);
  engine::Result r = con.query("SELECT file FROM glob(" + quote_literal(text) + ")");
  while (auto chunk = r.next_chunk())
    for (std::size_t i = 0; i < chunk->size(); ++i) {
      fs::path p = chunk->get<std::string>(0, i);
      if (fs::is_regular_file(p, ec)) out.push_back(describe(p, root));
    }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pond::ingest
