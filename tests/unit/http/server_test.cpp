#include "http/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.hpp"

namespace pond::http {
namespace {

// A server on a free loopback port, serving on a thread while the test runs.
class Running {
 public:
  explicit Running(ServerOptions o, const std::function<void(Server&)>& routes) : server_(std::move(o)) {
    routes(server_);
    port_ = server_.bind();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(5, 0);
    return c;
  }
  int port() const { return port_; }

 private:
  Server server_;
  int port_ = 0;
  std::thread thread_;
};

ServerOptions any_port() {
  ServerOptions o;
  o.port = 0;
  return o;
}

void routes(Server& s) {
  s.get("/api/echo/([^/]+)", [](const Request& r) {
    nlohmann::json j{{"capture", r.captures.at(0)}, {"q", r.param("q").value_or("")}, {"all", r.params("q")}};
    return Response{200, "application/json", j.dump(), {}};
  });
  s.get("/api/user-error",
        [](const Request&) -> Response { throw UserError("bad selection", "try orders+"); });
  s.get("/api/not-found", [](const Request&) -> Response { throw Error(404, "no asset 'x'"); });
  s.get("/api/bug", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  s.post("/api/body", [](const Request& r) { return Response{200, "text/plain", r.body, {}}; });
  s.fallback([](const Request& r) { return Response{200, "text/html", "page " + r.path, {}}; });
}

TEST(HttpServer, RoutesCapturesAndQueryParameters) {
  Running srv(any_port(), routes);
  auto c = srv.client();
  auto r = c.Get("/api/echo/a%20b?q=1&q=2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["capture"], "a b");
  EXPECT_EQ(j["q"], "1");
  EXPECT_EQ(j["all"].size(), 2u);
  r = c.Get("/some/page");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "page /some/page");
}

TEST(HttpServer, ErrorsAreJsonAndTheServerKeepsServing) {
  Running srv(any_port(), routes);
  auto c = srv.client();
  auto r = c.Get("/api/user-error");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["error"], "bad selection");
  EXPECT_EQ(j["hint"], "try orders+");
  r = c.Get("/api/not-found");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"], "no asset 'x'");
  r = c.Get("/api/bug");
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("internal error: boom"), std::string::npos);
  r = c.Get("/api/echo/still-here");
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, WritesNeedJsonFromTheSameOrigin) {
  Running srv(any_port(), routes);
  auto c = srv.client();
  auto r = c.Post("/api/body", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = c.Post("/api/body", "x=1", "application/x-www-form-urlencoded");
  EXPECT_EQ(r->status, 415);
  std::string self = "http://127.0.0.1:" + std::to_string(srv.port());
  r = c.Post("/api/body", httplib::Headers{{"Origin", self}}, "{}", "application/json");
  EXPECT_EQ(r->status, 200);
  r = c.Post("/api/body", httplib::Headers{{"Origin", "https://evil.example"}}, "{}", "application/json");
  EXPECT_EQ(r->status, 403);
}

TEST(HttpServer, LoopbackRefusesOtherHostNames) {
  Running srv(any_port(), routes);
  auto c = srv.client();
  auto r = c.Get("/api/echo/x", httplib::Headers{{"Host", "attacker.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = c.Get("/api/echo/x", httplib::Headers{{"Host", "localhost:3000"}});
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, TokenByHeaderCookieOrQuery) {
  ServerOptions o = any_port();
  o.token = random_token();
  EXPECT_EQ(o.token.size(), 48u);
  EXPECT_NE(o.token, random_token());
  Running srv(o, routes);
  auto c = srv.client();
  auto r = c.Get("/api/echo/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(c.Get("/api/echo/x", httplib::Headers{{"Authorization", "Bearer " + o.token}})->status, 200);
  EXPECT_EQ(c.Get("/api/echo/x", httplib::Headers{{"Authorization", "Bearer x" + o.token}})->status, 401);
  EXPECT_EQ(c.Get("/api/echo/x", httplib::Headers{{"Cookie", "pond_token=" + o.token}})->status, 200);
  r = c.Get("/?token=" + o.token);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Set-Cookie").find("HttpOnly"), std::string::npos);
}

TEST(HttpServer, EventStreamsDeliverAndEndWhenTheServerStops) {
  Broadcaster b;
  std::string received;
  {
    Running srv(any_port(),
                [&](Server& s) { s.stream("/api/events", [&](const Request&) { return b.subscribe(); }); });
    auto c = srv.client();
    std::thread reader([&] {
      c.Get("/api/events", [&](const char* data, std::size_t n) {
        received.append(data, n);
        return received.find("event: done") == std::string::npos;
      });
    });
    while (b.subscribers() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    b.publish({"runs", "{}"});
    b.publish({"done", "{}"});
    reader.join();
  }
  EXPECT_NE(received.find("retry: 2000"), std::string::npos);
  EXPECT_NE(received.find("event: runs\ndata: {}\n\n"), std::string::npos);
}

TEST(HttpServer, APortInUseIsAUserError) {
  Running srv(any_port(), routes);
  ServerOptions o;
  o.port = srv.port();
  Server second(o);
  EXPECT_THROW(second.bind(), UserError);
}

TEST(HttpServer, Loopback) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("[::1]"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("192.168.1.2"));
}

}  // namespace
}  // namespace pond::http
