#pragma once
// Copies what a command prints on stdout into the log file, line by line, as dbt's dbt.log holds
// the results its console shows. Restores std::cout's buffer when destroyed.
#include <iosfwd>
#include <memory>

namespace pond::cli {

class StdoutToLog {
 public:
  StdoutToLog();
  ~StdoutToLog();
  StdoutToLog(const StdoutToLog&) = delete;
  StdoutToLog& operator=(const StdoutToLog&) = delete;

 private:
  class Buffer;
  std::unique_ptr<Buffer> buffer_;
  std::streambuf* original_;
};

}  // namespace pond::cli
