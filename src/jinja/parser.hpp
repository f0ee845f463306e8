#pragma once
// Jinja2's grammar (jinja2/parser.py) turned into a tree of ast.hpp nodes.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "jinja/ast.hpp"

namespace pond::jinja {

// What the parser needs to know about the environment: which filters and tests exist.
struct ParseEnv {
  std::function<bool(std::string_view)> has_custom_filter;
  std::function<bool(std::string_view)> has_custom_test;
};

// Parses `source` (raw template text) into a tree; throws TemplateError (kSyntax / kAssertion).
std::unique_ptr<TemplateAst> parse_template(std::string_view source, const std::string& name,
                                            const ParseEnv& env);

// Builtin filter/test lookup (filters.cpp, tests.cpp); nullptr when unknown.
FilterFn find_builtin_filter(std::string_view name);
TestFn find_builtin_test(std::string_view name);
// How many arguments a builtin test takes besides the tested value (0 or 1).
int builtin_test_arity(std::string_view name);

}  // namespace pond::jinja
