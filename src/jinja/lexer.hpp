#pragma once
// Splits template source into tokens the way Jinja2's default lexer does (delimiters {{ }}, {% %},
// {# #}, whitespace control with - and +, raw blocks, newline normalisation).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pond::jinja {

enum class Tok : std::uint8_t {
  kData,
  kVarBegin,
  kVarEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kInt,
  kFloat,
  kString,
  kOp,
  kEof,
};

struct Token {
  Tok type;
  std::string_view text;  // into the normalised source (operators, names, raw data)
  std::string value;      // decoded string literal or stripped data
  std::int64_t ival = 0;
  double fval = 0;
  int line = 1;
  int col = 1;
  bool is_op(std::string_view op) const { return type == Tok::kOp && text == op; }
  bool is_name(std::string_view n) const { return type == Tok::kName && text == n; }
};

// Jinja2's source normalisation: every newline sequence becomes "\n" and one trailing newline is
// dropped (keep_trailing_newline=False).
std::string normalize_source(std::string_view source);

// Tokenises normalised source; throws TemplateError(kSyntax) with the template name on bad input.
std::vector<Token> tokenize(std::string_view source, const std::string& name);

// Human spelling of a token for error messages ("end of print statement", "'x'").
std::string describe_token(const Token& t);

}  // namespace pond::jinja
