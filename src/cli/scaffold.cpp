#include "cli/scaffold.hpp"

#include <cctype>
#include <fstream>

#include "common/error.hpp"

namespace pond::cli {

namespace fs = std::filesystem;

std::string project_name_from(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(0, "p_");
  return out;
}

namespace {

// The example is written for the name "shop"; only the project's own identifiers change.
std::string rename_project(const std::string& path, std::string content, std::string_view name) {
  auto replace_all = [&](std::string_view from, const std::string& to) {
    for (std::size_t pos = 0; (pos = content.find(from, pos)) != std::string::npos; pos += to.size()) {
      content.replace(pos, from.size(), to);
    }
  };
  std::string n(name);
  if (path == "dbt_project.yml") {
    replace_all("name: 'shop'", "name: '" + n + "'");
    replace_all("profile: 'shop'", "profile: '" + n + "'");
    replace_all("\n  shop:", "\n  " + n + ":");
  } else if (path == "profiles.yml") {
    if (content.rfind("shop:", 0) == 0) content.replace(0, 5, n + ":");
    replace_all("path: shop.duckdb", "path: " + n + ".duckdb");
  }
  return content;
}

}  // namespace

std::vector<fs::path> write_scaffold(const fs::path& dir, std::string_view name) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) throw UserError(dir.string() + " exists and is not a directory");
    if (!fs::is_empty(dir, ec)) {
      throw UserError(SourceLocation{dir.string()},
                      "directory is not empty; pond init will not overwrite files",
                      "choose a new directory name");
    }
  }
  std::vector<fs::path> written;
  for (const auto& f : scaffold_files()) {
    fs::path target = dir / f.path;
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      throw UserError(SourceLocation{target.parent_path().string()},
                      "cannot create directory: " + ec.message());
    std::ofstream out(target, std::ios::binary);
    std::string content = rename_project(f.path, f.content, name);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw UserError(SourceLocation{target.string()}, "cannot write file");
    written.push_back(target);
  }
  return written;
}

}  // namespace pond::cli
