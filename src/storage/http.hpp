#pragma once
// HTTP(S) through libcurl: GET for package indexes and tarballs (`pond deps`), POST of JSON for
// webhook notifications (`notify:`).
#include <string>

namespace pond::storage {

// A finished request: the HTTP status (0 for file:// URLs, which libcurl also reads) and body.
struct HttpResponse {
  long status = 0;
  std::string body;
};

// GETs `url`, following redirects. Transport failures (DNS, refused connection, TLS, timeout)
// are a UserError naming the URL; HTTP error statuses are returned for the caller to judge.
HttpResponse http_get(const std::string& url);

// POSTs `json` (Content-Type: application/json) to `url`, within `timeout`. The URL may hold a
// secret (a Slack webhook's path): transport failures are a UserError that does not name it.
HttpResponse http_post_json(const std::string& url, const std::string& json, long timeout_seconds);

}  // namespace pond::storage
