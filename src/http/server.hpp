#pragma once
// pond's HTTP layer (cpp-httplib underneath, never seen by callers): routes that take a Request
// and return a Response, JSON errors, server-sent event streams, and access control (a token
// for non-loopback addresses, a Host check against DNS rebinding on loopback). The web UI's
// JSON API uses it today; the HTTP table API of `pond serve` is meant to use it too.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/event_stream.hpp"

namespace pond::http {

// What a route handler sees of a request.
struct Request {
  std::string method;
  std::string path;                   // decoded, without the query
  std::vector<std::string> captures;  // the route pattern's groups, decoded
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::optional<std::string> param(const std::string& name) const;
  std::vector<std::string> params(const std::string& name) const;  // every value of a repeated one
  std::string header(const std::string& lower_case_name) const;
};

// A handler's answer. `body` is sent as is with `content_type`. (With a charset parameter,
// cpp-httplib leaves a body uncompressed: its brotli at quality 11 takes seconds for a 300 KB
// graph, far more than sending it, and compression buys nothing on loopback.)
struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Thrown by handlers for a request that cannot be answered: sent as `status` with the JSON body
// {"error": message, "hint": hint}. UserError becomes a 400 the same way; anything else a 500
// whose message is logged (the server keeps serving).
class Error : public std::runtime_error {
 public:
  Error(int status, const std::string& message, std::string hint = {})
      : std::runtime_error(message), status_(status), hint_(std::move(hint)) {}
  int status() const { return status_; }
  const std::string& hint() const { return hint_; }
  // A header sent with the error (e.g. WWW-Authenticate with a 401).
  Error& with_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

 private:
  int status_;
  std::string hint_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

// The JSON error body {"error": ..., "hint": ...} (hint omitted when empty).
std::string error_body(std::string_view message, std::string_view hint = {});

using Handler = std::function<Response(const Request&)>;
// Opens the event stream of a request (or throws Error); the server writes what the
// subscription delivers until the client goes away or the server stops.
using StreamHandler = std::function<std::shared_ptr<Subscription>(const Request&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 3000;  // 0: any free port
  // Required on every request when non-empty: `Authorization: Bearer T`, the cookie pond_token=T
  // (set when a page is opened with ?token=T) or the query parameter token=T.
  std::string token;
  int threads = 16;  // requests served at once (each open event stream holds one)
  // True: the routes check who is asking themselves (pond serve's table API: a bearer token per
  // user); `token` and the loopback Host check are then not applied, the Origin check is.
  bool routes_authenticate = false;
  // Content types (prefixes) a POST body may have; other bodies get 415.
  std::vector<std::string> body_types = {"application/json"};
};

// A response written in pieces as it is produced (chunked transfer encoding), for results too
// large to hold: the handler prepares everything that can fail with a status before returning;
// `produce` then calls `write` with each piece (false: the client went away, stop). An
// exception from `produce` ends the connection mid-body (the client sees a truncated response).
struct StreamedResponse {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::function<void(const std::function<bool(std::string_view)>& write)> produce;
};
using StreamedHandler = std::function<StreamedResponse(const Request&)>;

bool is_loopback(std::string_view host);

// A random token for ServerOptions::token (hex, 192 bits).
std::string random_token();

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `pattern` is a regular expression over the whole path; its groups become Request::captures.
  void get(const std::string& pattern, Handler handler);
  void post(const std::string& pattern, Handler handler);
  void stream(const std::string& pattern, StreamHandler handler);
  void get_streamed(const std::string& pattern, StreamedHandler handler);
  void post_streamed(const std::string& pattern, StreamedHandler handler);
  // GET requests no route matched (the UI's files and page URLs).
  void fallback(Handler handler);

  // Binds the address; returns the port. Throws UserError when it cannot (in use, no such host).
  int bind();
  // Serves until stop() (from any thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pond::http
