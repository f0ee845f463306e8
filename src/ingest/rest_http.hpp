#pragma once
// One HTTP request through libcurl, with the response's status, headers and body. A session
// keeps one connection open across the pages of a load (keep-alive).
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pond::ingest {

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // POST: the form body
  std::string user, password;        // basic auth, when user is set
  std::chrono::milliseconds timeout{60000};
};

struct HttpReply {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case name -> value (a repeated header: joined by ", ")
  std::string body;
};

// The request could not be made or finished: DNS, refused connection, TLS, timeout.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool timed_out) : std::runtime_error(what), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

class HttpSession {
 public:
  HttpSession();
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Performs `request` (following redirects); any HTTP status is returned, transport failures throw.
  HttpReply perform(const HttpRequest& request);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

// `url` with `params` appended to its query, each name and value percent-encoded.
std::string url_with_params(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& params);
// `ref` (absolute, or relative like "/items?page=2") resolved against `base`.
std::string resolve_url(const std::string& base, const std::string& ref);
// The URL of the `rel="next"` link of an RFC 8288 `Link` header value, or "".
std::string next_link(const std::string& link_header);

}  // namespace pond::ingest
