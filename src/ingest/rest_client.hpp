#pragma once
// The requests of one REST resource's load: its headers and authentication added to each
// (OAuth2 client credentials: a token fetched first and again when it expires), retried with
// exponential backoff on 429, 5xx and transport errors (a `Retry-After` header is honoured), and
// any other error status a UserError (exit 1) naming the resource, the page, the URL without
// its secrets and the status.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/resource.hpp"
#include "ingest/rest_http.hpp"
#include "ingest/secrets.hpp"

namespace pond::ingest {

class RestClient {
 public:
  // Expands every `${NAME}` of the resource's headers and auth (an unset variable: UserError).
  RestClient(const ResourceConfig& resource, Secrets& secrets);

  // GETs `url` (its params already in it) as page `page` (1-based, for messages). Returns a 2xx reply.
  HttpReply get(const std::string& url, std::int64_t page);

  std::int64_t requests() const { return requests_; }
  std::int64_t retries() const { return retries_; }

 private:
  HttpReply send(HttpRequest request, const std::string& what);
  std::string bearer_token();  // the OAuth2 access token, fetched when missing or expired
  [[noreturn]] void fail_status(const HttpReply& reply, const std::string& what,
                                const std::string& url) const;

  const ResourceConfig& r_;
  Secrets& secrets_;
  HttpSession session_;
  std::vector<std::string> headers_;  // "Name: value", expanded
  RestAuth auth_;                     // expanded
  std::string oauth_token_;
  std::chrono::steady_clock::time_point oauth_expires_{};
  std::int64_t requests_ = 0;
  std::int64_t retries_ = 0;
};

// How long a `Retry-After` value asks to wait (delta-seconds or an HTTP date), if it parses.
std::optional<std::chrono::milliseconds> retry_after(const std::string& value);

}  // namespace pond::ingest
