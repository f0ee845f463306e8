#pragma once
// The log file a command writes beside its console output (dbt's logs/dbt.log): appended to,
// rotated at a size as Python's RotatingFileHandler does (dbt.log -> dbt.log.1 ... .5).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string_view>

namespace pond::log {

class RotatingFile {
 public:
  // Opens (creating the folder) for appending; throws UserError naming the path when it cannot.
  RotatingFile(std::filesystem::path path, std::uint64_t max_bytes, int backups);
  // Writes whole lines; rotates first when they would pass max_bytes (0: never rotates).
  void write(std::string_view lines);

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  void open();
  void rotate();

  std::filesystem::path path_;
  std::uint64_t max_bytes_;
  int backups_;
  std::uint64_t size_ = 0;
  std::unique_ptr<std::FILE, Closer> file_;
};

}  // namespace pond::log
