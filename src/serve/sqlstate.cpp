#include "serve/sqlstate.hpp"

namespace pond::serve {

std::string sqlstate_of(const std::string& m, bool interrupted) {
  if (interrupted) return "57014";
  auto starts = [&](std::string_view p) { return m.rfind(p, 0) == 0; };
  if (m.find("Current transaction is aborted") != std::string::npos) return "25P02";
  if (starts("Parser Error")) return "42601";
  if (starts("Catalog Error")) {
    if (m.find("does not exist") != std::string::npos) {
      if (m.find("Function") != std::string::npos || m.find("function") != std::string::npos) return "42883";
      if (m.find("Schema") != std::string::npos) return "3F000";
      return "42P01";
    }
    if (m.find("already exists") != std::string::npos) return "42P07";
    return "42000";
  }
  if (starts("Binder Error")) {
    if (m.find("not found in FROM clause") != std::string::npos ||
        m.find("Referenced column") != std::string::npos)
      return "42703";
    if (m.find("No function matches") != std::string::npos) return "42883";
    return "42000";
  }
  if (starts("Conversion Error")) return "22P02";
  if (starts("Out of Range Error")) return "22003";
  if (starts("Constraint Error")) return "23000";
  if (starts("Permission Error")) return "42501";
  if (starts("Not implemented Error")) return "0A000";
  if (starts("Invalid Input Error"))
    return m.find("Division by zero") != std::string::npos ? "22012" : "22023";
  if (starts("TransactionContext Error")) return "25000";
  if (starts("IO Error")) return "58030";
  if (starts("Out of Memory Error")) return "53200";
  return "XX000";
}

}  // namespace pond::serve
