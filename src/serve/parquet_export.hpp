#pragma once
// Parquet results of the HTTP table API. DuckDB writes Parquet only to files, so a query's
// result is written by `COPY (query) TO '<folder>/<random>.parquet'` into a private folder of
// the server (mode 0700, the only place besides the lake DuckDB may write, removed when the
// server stops), streamed to the client in pieces, and deleted.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/connection.hpp"

namespace pond::serve {

// A private temporary folder (mkdtemp under $TMPDIR or /tmp), removed with its files.
class ExportFolder {
 public:
  ExportFolder();
  ~ExportFolder();
  ExportFolder(const ExportFolder&) = delete;
  ExportFolder& operator=(const ExportFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// One Parquet file written from a query; deleted with this object.
class ParquetFile {
 public:
  // Runs `COPY (sql) TO ... (FORMAT parquet)` with the text parameters bound. `sql` must be one
  // query whose parentheses balance (checked: it cannot close the COPY's own); SqlError if not.
  ParquetFile(engine::Connection& con, const std::filesystem::path& folder, const std::string& sql,
              const std::vector<std::string>& parameters);
  ~ParquetFile();
  ParquetFile(const ParquetFile&) = delete;
  ParquetFile& operator=(const ParquetFile&) = delete;

  // Sends the file in pieces of 64 KiB; stops when `write` returns false (the client left).
  void stream(const std::function<bool(std::string_view)>& write) const;

 private:
  std::filesystem::path file_;
};

}  // namespace pond::serve
