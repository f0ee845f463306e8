#pragma once
// An error a statement reports to the client with the SQLSTATE PostgreSQL gives it.
#include <stdexcept>
#include <string>

namespace pond::serve {

class SqlError : public std::runtime_error {
 public:
  SqlError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace pond::serve
