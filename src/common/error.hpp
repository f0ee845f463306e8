#pragma once
#include <optional>
#include <stdexcept>
#include <string>

namespace pond {

// Exit codes (DESIGN.md "How errors look").
// kInternal: a bug in pond (an InternalError or a broken assertion), never the user's input.
enum class ExitCode : int { kOk = 0, kStepFailed = 1, kUsage = 2, kInternal = 3, kInterrupted = 130 };

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

// A bug in pond, not something the user did: an invariant that does not hold. The CLI reports
// it as an internal error with exit code 3 (ExitCode::kInternal), distinct from bad input.
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error("internal error: " + message) {}
};

namespace detail {
[[noreturn]] void assertion_failed(const char* condition, const char* file, int line,
                                   const std::string& message);
}  // namespace detail

}  // namespace pond

// Checks an invariant in every build type; a failure throws InternalError naming the place.
#define POND_ASSERT(condition, message)                                                          \
  do {                                                                                           \
    if (!(condition)) ::pond::detail::assertion_failed(#condition, __FILE__, __LINE__, message); \
  } while (false)
