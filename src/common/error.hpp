#pragma once
#include <optional>
#include <stdexcept>
#include <string>

namespace pond {

// Exit codes (DESIGN.md "How errors look").
enum class ExitCode : int { kOk = 0, kStepFailed = 1, kUsage = 2, kInterrupted = 130 };

// Where in a user's file something went wrong (1-based line and column; 0 = unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  std::string to_string() const;  // "file:line:col", "file:line" or "file"
};

// An error the user caused and can fix: it carries the place, what was expected, a hint,
// and the exit code the CLI returns for it.
class UserError : public std::runtime_error {
 public:
  UserError(std::string message, ExitCode code = ExitCode::kUsage);
  UserError(std::string message, std::string hint, ExitCode code = ExitCode::kUsage);
  UserError(SourceLocation where, std::string message, std::string hint = {},
            ExitCode code = ExitCode::kUsage);

  const std::optional<SourceLocation>& where() const { return where_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  ExitCode exit_code() const { return code_; }

 private:
  std::optional<SourceLocation> where_;
  std::string message_;
  std::string hint_;
  ExitCode code_;
};

}  // namespace pond
