#include "http/server.hpp"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pond::http {

std::optional<std::string> Request::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Request::params(const std::string& name) const {
  std::vector<std::string> out;
  auto [a, b] = query.equal_range(name);
  for (auto it = a; it != b; ++it) out.push_back(it->second);
  return out;
}

std::string Request::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string error_body(std::string_view message, std::string_view hint) {
  nlohmann::json j{{"error", message}};
  if (!hint.empty()) j["hint"] = hint;
  return j.dump();
}

bool is_loopback(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string random_token() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw InternalError("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "host:port" or "[v6]:port" -> host
std::string host_of(const std::string& authority) {
  if (!authority.empty() && authority.front() == '[') {
    auto end = authority.find(']');
    return end == std::string::npos ? authority : authority.substr(0, end + 1);
  }
  return authority.substr(0, authority.find(':'));
}

bool same_token(const std::string& given, const std::string& token) {
  return given.size() == token.size() && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

std::string cookie_value(const std::string& cookies, const std::string& name) {
  std::size_t pos = 0;
  while (pos < cookies.size()) {
    std::size_t end = cookies.find(';', pos);
    std::string part = cookies.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    std::size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return {};
}

Request convert(const httplib::Request& in) {
  Request r;
  r.method = in.method;
  r.path = in.path;
  for (std::size_t i = 1; i < in.matches.size(); ++i) r.captures.push_back(in.matches[i].str());
  for (const auto& [k, v] : in.params) r.query.emplace(k, v);
  for (const auto& [k, v] : in.headers) r.headers[lower(k)] = v;
  r.body = in.body;
  return r;
}

void send(httplib::Response& res, const Response& out) {
  res.status = out.status;
  for (const auto& [k, v] : out.headers) res.set_header(k, v);
  res.set_content(out.body, out.content_type);
}

void send_error(httplib::Response& res, int status, std::string_view message, std::string_view hint = {}) {
  res.status = status;
  res.set_content(error_body(message, hint), "application/json; charset=utf-8");
}

// Runs `body`, turning what it throws into a JSON error: the server never dies of a request.
template <typename F>
void guarded(const httplib::Request& req, httplib::Response& res, F&& body) {
  try {
    body();
  } catch (const Error& e) {
    for (const auto& [k, v] : e.headers()) res.set_header(k, v);
    send_error(res, e.status(), e.what(), e.hint());
  } catch (const UserError& e) {
    std::string message = e.message();
    if (e.where()) message = e.where()->to_string() + ": " + message;
    send_error(res, 400, message, e.hint());
  } catch (const std::exception& e) {
    log::error("http: {} {}: {}", req.method, req.path, e.what());
    send_error(res, 500, std::string("internal error: ") + e.what(),
               "this is a bug in pond; please report it");
  }
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  httplib::Server svr;
  std::optional<Handler> fallback;
  std::atomic<bool> stopping{false};
  std::atomic<bool> in_run{false};

  // Who may ask: with a token, whoever presents it; without one (loopback only), requests whose
  // Host is a loopback name (a web page of another site resolving its name to 127.0.0.1, DNS
  // rebinding, is refused) and, for writes, from the UI's own origin with a JSON body (a form of
  // another site cannot post one without a CORS preflight, which is never granted).
  std::optional<std::pair<int, std::string>> denied(const httplib::Request& req,
                                                    httplib::Response& res) const {
    if (options.routes_authenticate) {
      // The routes check credentials; the Origin and body checks below still apply.
    } else if (!options.token.empty()) {
      std::string given;
      std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
      if (given.empty()) given = cookie_value(req.get_header_value("Cookie"), "pond_token");
      if (given.empty() && req.has_param("token")) {
        given = req.get_param_value("token");
        if (same_token(given, options.token))
          res.set_header("Set-Cookie", "pond_token=" + given + "; Path=/; HttpOnly; SameSite=Strict");
      }
      if (!same_token(given, options.token))
        return std::make_pair(401,
                              std::string("this pond UI needs its access token (printed when it started)"));
    } else if (!is_loopback(host_of(req.get_header_value("Host")))) {
      return std::make_pair(403, "host '" + req.get_header_value("Host") + "' is not allowed");
    }
    if (req.method != "GET" && req.method != "HEAD") {
      std::string origin = req.get_header_value("Origin");
      if (!origin.empty()) {
        auto scheme = origin.find("://");
        std::string authority = scheme == std::string::npos ? origin : origin.substr(scheme + 3);
        if (authority != req.get_header_value("Host"))
          return std::make_pair(403, "requests from origin '" + origin + "' are not allowed");
      }
      // (The body is not read yet: its headers say whether there is one.)
      bool has_body = req.has_header("Transfer-Encoding") ||
                      (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
      std::string type = req.get_header_value("Content-Type");
      bool allowed = false;
      for (const auto& t : options.body_types) allowed = allowed || type.rfind(t, 0) == 0;
      if (has_body && !allowed) {
        if (options.body_types == std::vector<std::string>{"application/json"})
          return std::make_pair(415, std::string("the body must be JSON (Content-Type: application/json)"));
        std::string types;
        for (const auto& t : options.body_types) types += (types.empty() ? "" : ", ") + t;
        return std::make_pair(415, "the body's Content-Type must be one of: " + types);
      }
    }
    return std::nullopt;
  }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  auto& svr = impl_->svr;
  int threads = std::max(4, impl_->options.threads);
  // cpp-httplib takes ownership of the queue it is handed (its API wants a raw pointer).
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  svr.set_payload_max_length(1 << 20);
  svr.set_keep_alive_max_count(1000);
  // Idle keep-alive connections hold a worker until this passes, and stopping waits for them.
  svr.set_keep_alive_timeout(1);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second server
  // binds the same port without an error and steals half its connections.
  svr.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    auto why = impl_->denied(req, res);
    if (!why) return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, why->first, why->second);
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    guarded(req, res, [&] { std::rethrow_exception(ep); });
  });
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      if (res.status == 404)
        send_error(res, 404, "no such page or API endpoint");
      else
        send_error(res, res.status, "request failed (HTTP " + std::to_string(res.status) + ")");
    }
  });
}

Server::~Server() {
  stop();
}

namespace {
httplib::Server::Handler adapt(Handler handler) {
  return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    guarded(req, res, [&] { send(res, handler(convert(req))); });
  };
}
}  // namespace

void Server::get(const std::string& pattern, Handler handler) {
  impl_->svr.Get(pattern, adapt(std::move(handler)));
}

void Server::post(const std::string& pattern, Handler handler) {
  impl_->svr.Post(pattern, adapt(std::move(handler)));
}

namespace {
httplib::Server::Handler adapt_streamed(StreamedHandler handler) {
  return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    guarded(req, res, [&] {
      StreamedResponse out = handler(convert(req));
      res.status = out.status;
      for (const auto& [k, v] : out.headers) res.set_header(k, v);
      auto produce = std::make_shared<decltype(out.produce)>(std::move(out.produce));
      res.set_chunked_content_provider(out.content_type, [produce](std::size_t, httplib::DataSink& sink) {
        try {
          bool open = true;
          (*produce)([&](std::string_view piece) {
            open = open && (piece.empty() || sink.write(piece.data(), piece.size()));
            return open;
          });
          if (!open) return false;
          sink.done();
          return true;
        } catch (const std::exception& e) {
          log::error("http: a streamed response failed after its start: {}", e.what());
          return false;  // the connection is closed: the client sees a truncated body
        }
      });
    });
  };
}
}  // namespace

void Server::get_streamed(const std::string& pattern, StreamedHandler handler) {
  impl_->svr.Get(pattern, adapt_streamed(std::move(handler)));
}

void Server::post_streamed(const std::string& pattern, StreamedHandler handler) {
  impl_->svr.Post(pattern, adapt_streamed(std::move(handler)));
}

void Server::fallback(Handler handler) {
  impl_->fallback = std::move(handler);
}

void Server::stream(const std::string& pattern, StreamHandler handler) {
  Impl* impl = impl_.get();
  impl_->svr.Get(
      pattern, [impl, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
        guarded(req, res, [&] {
          std::shared_ptr<Subscription> sub = handler(convert(req));
          res.set_header("Cache-Control", "no-cache");
          res.set_header("X-Accel-Buffering", "no");
          auto last_write =
              std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
          res.set_chunked_content_provider(
              "text/event-stream", [impl, sub, last_write](std::size_t offset, httplib::DataSink& sink) {
                try {
                  if (offset == 0) {
                    std::string hello = "retry: 2000\n\n";
                    if (!sink.write(hello.data(), hello.size())) return false;
                  }
                  // Short waits, so that a stopping server is not held up by an idle stream.
                  while (!impl->stopping.load()) {
                    auto messages = sub->next(std::chrono::milliseconds(500));
                    if (!messages) break;
                    std::string out;
                    for (const auto& m : *messages) out += sse_frame(m);
                    auto now = std::chrono::steady_clock::now();
                    if (out.empty() && now - *last_write > std::chrono::seconds(15)) out = ": keep-alive\n\n";
                    if (out.empty()) {
                      if (!sink.is_writable()) return false;
                      continue;
                    }
                    *last_write = now;
                    return sink.write(out.data(), out.size());
                  }
                  sink.done();
                  return true;
                } catch (const std::exception& e) {
                  log::error("http: event stream: {}", e.what());
                  return false;
                }
              });
        });
      });
}

int Server::bind() {
  auto& svr = impl_->svr;
  if (impl_->fallback) {
    Handler fb = *impl_->fallback;
    svr.Get(".*", adapt(std::move(fb)));
  }
  const auto& o = impl_->options;
  int port = o.port;
  if (o.port == 0) {
    port = svr.bind_to_any_port(o.host);
    if (port < 0) port = 0;
  } else if (!svr.bind_to_port(o.host, o.port)) {
    port = 0;
  }
  if (port <= 0)
    throw UserError("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                        " (the port is in use, or the host is not an address of this machine)",
                    "choose another --port, or stop what listens there");
  return port;
}

void Server::run() {
  impl_->in_run = true;
  if (!impl_->stopping) impl_->svr.listen_after_bind();
  impl_->in_run = false;
}

void Server::stop() {
  impl_->stopping = true;
  // run() may be on its way into cpp-httplib's accept loop, where a stop made before it is lost:
  // wait until it is in (or has returned).
  while (impl_->in_run && !impl_->svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->svr.stop();
}

}  // namespace pond::http
