#include "common/error.hpp"

#include <fmt/format.h>

namespace pond {

std::string SourceLocation::to_string() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string compose(const std::optional<SourceLocation>& where, const std::string& message,
                    const std::string& hint) {
  std::string out;
  if (where) out = where->to_string() + ": ";
  out += message;
  if (!hint.empty()) out += "\n  hint: " + hint;
  return out;
}
}  // namespace

UserError::UserError(std::string message, ExitCode code)
    : std::runtime_error(message), message_(std::move(message)), code_(code) {}

UserError::UserError(std::string message, std::string hint, ExitCode code)
    : std::runtime_error(compose(std::nullopt, message, hint)),
      message_(std::move(message)),
      hint_(std::move(hint)),
      code_(code) {}

UserError::UserError(SourceLocation where, std::string message, std::string hint, ExitCode code)
    : std::runtime_error(compose(where, message, hint)),
      where_(std::move(where)),
      message_(std::move(message)),
      hint_(std::move(hint)),
      code_(code) {}

namespace detail {
void assertion_failed(const char* condition, const char* file, int line, const std::string& message) {
  throw InternalError(fmt::format("{} ({}:{}: {} does not hold)", message, file, line, condition));
}
}  // namespace detail

}  // namespace pond
