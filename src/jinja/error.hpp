#pragma once
// Errors raised while parsing or rendering, carrying Jinja2's exception name and message plus
// the template name, line and column where they happened.
#include <stdexcept>
#include <string>

#include "jinja/value.hpp"

namespace pond::jinja {

// Jinja2's exception classes (and the Python ones templates can raise).
enum class ErrorKind {
  kSyntax,        // TemplateSyntaxError
  kAssertion,     // TemplateAssertionError (unknown filter/test at compile time)
  kUndefined,     // UndefinedError
  kRuntime,       // TemplateRuntimeError
  kNotFound,      // TemplateNotFound
  kType,          // TypeError
  kValue,         // ValueError
  kZeroDivision,  // ZeroDivisionError
  kKey,           // KeyError
  kIndex,         // IndexError
  kAttribute,     // AttributeError
  kOverflow,      // OverflowError
  kLimit,         // recursion depth / output size bounds (pond-specific)
};

const char* error_kind_name(ErrorKind kind);

class TemplateError : public std::runtime_error {
 public:
  TemplateError(ErrorKind kind, std::string message, std::string name = {}, int line = 0, int column = 0);

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  const std::string& template_name() const { return name_; }
  int line() const { return line_; }
  int column() const { return column_; }
  // Fills in the place once (the innermost place wins).
  void locate(const std::string& name, int line, int column);
  bool located() const { return line_ > 0; }
  // "name:line:col: KindName: message"
  std::string describe() const;

 private:
  ErrorKind kind_;
  std::string message_;
  std::string name_;
  int line_;
  int column_;
};

// Thrown by a native function to end the macro being called with a value (dbt's `return()`).
struct MacroReturn {
  Value value;
};

}  // namespace pond::jinja
