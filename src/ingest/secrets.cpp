#include "ingest/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "common/error.hpp"

namespace pond::ingest {

namespace {

bool name_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

// Calls `on_text` for literal runs and `on_var` for each `${NAME}` of `text`, in order.
template <typename Text, typename Var>
void walk(std::string_view text, Text&& on_text, Var&& on_var) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t open = text.find("${", i);
    if (open == std::string_view::npos) {
      on_text(text.substr(i));
      return;
    }
    on_text(text.substr(i, open - i));
    std::size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos)
      throw std::invalid_argument("'${' without a closing '}' in '" + std::string(text) + "'");
    std::string_view name = text.substr(open + 2, close - open - 2);
    bool ok = !name.empty();
    for (std::size_t k = 0; k < name.size() && ok; ++k) ok = name_char(name[k], k == 0);
    if (!ok)
      throw std::invalid_argument("'${" + std::string(name) +
                                  "}' is not an environment variable name (letters, digits, '_')");
    on_var(name);
    i = close + 1;
  }
}

}  // namespace

std::vector<std::string> template_variables(std::string_view text) {
  std::vector<std::string> out;
  walk(
      text, [](std::string_view) {}, [&](std::string_view name) { out.emplace_back(name); });
  return out;
}

std::string Secrets::expand(std::string_view text, const std::string& resource) {
  std::string out;
  walk(
      text, [&](std::string_view t) { out += t; },
      [&](std::string_view name) {
        const char* v = std::getenv(std::string(name).c_str());
        if (v == nullptr)
          throw UserError("ingest resource '" + resource + "': the environment variable " +
                              std::string(name) + " is not set",
                          "export " + std::string(name) + " before the load (pond.yml names it)",
                          ExitCode::kStepFailed);
        add(v);
        out += v;
      });
  return out;
}

void Secrets::add(const std::string& value) {
  if (value.empty()) return;
  std::lock_guard lock(mutex_);
  if (std::find(values_.begin(), values_.end(), value) == values_.end()) values_.push_back(value);
  std::string encoded = percent_encode(value);
  if (encoded != value && std::find(values_.begin(), values_.end(), encoded) == values_.end())
    values_.push_back(encoded);
}

std::string Secrets::redact(std::string text) const {
  std::lock_guard lock(mutex_);
  for (const auto& s : values_)
    for (std::size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3))
      text.replace(at, s.size(), "***");
  return text;
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace pond::ingest
