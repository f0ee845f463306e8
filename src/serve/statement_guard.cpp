#include "serve/statement_guard.hpp"

#include <string_view>

#include "serve/sql_error.hpp"

namespace pond::serve {

namespace {

[[noreturn]] void refuse(const std::string& verb) {
  throw SqlError("42501", "pond serve does not run " + verb +
                              " statements (no file writes, ATTACH or extensions over the wire)");
}

}  // namespace

void refuse_unserved(const std::string& verb) {
  static constexpr std::string_view kRefused[] = {"COPY",   "EXPORT",  "IMPORT", "ATTACH",
                                                  "DETACH", "INSTALL", "LOAD",   "FORCE"};
  for (auto r : kRefused)
    if (verb == r) refuse(verb);
}

void refuse_unserved(engine::StatementKind kind, const std::string& verb) {
  switch (kind) {
    case engine::StatementKind::kCopy:
    case engine::StatementKind::kExport:
    case engine::StatementKind::kAttach:
    case engine::StatementKind::kLoad:
      refuse(verb);
    default:
      return;
  }
}

}  // namespace pond::serve
