#pragma once
#include <stdexcept>
#include <string>

namespace pond::engine {

// A failure reported by DuckDB; what() is DuckDB's own message, prefixed with context
// when the engine has some (e.g. which file could not be opened).
class EngineError : public std::runtime_error {
 public:
  explicit EngineError(const std::string& message, bool interrupted = false)
      : std::runtime_error(message), interrupted_(interrupted) {}
  // True when the query stopped because Connection::interrupt() was called.
  bool interrupted() const { return interrupted_; }

 private:
  bool interrupted_;
};

}  // namespace pond::engine
