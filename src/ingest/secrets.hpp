#pragma once
// Values of pond.yml that name environment variables (`${NAME}`), and the secrets they bring:
// every value read from the environment is remembered so that messages (URLs, response bodies)
// show "***" in its place. A secret is never printed, logged or recorded.
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pond::ingest {

// The variable names a template mentions (`${NAME}`; NAME: letters, digits, '_', not starting
// with a digit). Throws std::invalid_argument for a `${` without a valid name and `}`.
std::vector<std::string> template_variables(std::string_view text);

// Thread-safe: the workers of parallel requests add OAuth2 tokens and redact their errors.
class Secrets {
 public:
  // `text` with each `${NAME}` replaced by the variable's value, which becomes a secret. An unset
  // variable is a UserError (exit 1) naming `resource` and the variable.
  std::string expand(std::string_view text, const std::string& resource);
  // Remembers a value that must not be shown (e.g. an OAuth2 access token).
  void add(const std::string& value);
  // `text` with every secret (as is, and percent-encoded as in a URL) replaced by "***".
  std::string redact(std::string text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> values_;
};

// RFC 3986 percent-encoding of everything but unreserved characters (as a query value).
std::string percent_encode(std::string_view s);

}  // namespace pond::ingest
