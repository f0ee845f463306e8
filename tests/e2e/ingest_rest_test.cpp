// REST ingestion end to end: `pond ingest` reads a local HTTP server the test runs (cpp-httplib,
// in this process) through every paginator and auth kind, retries 429 and 500 honouring
// Retry-After, fails clearly on 401 and on a looping paginator with the lake unchanged, and
// loads an incremental cursor's new records only.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pond_runner.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "s3cret-t0ken";
constexpr const char* kApiKey = "k3y-abc";

// The API: records {id, name, updated_at}, served by every paginator style.
class Api {
 public:
  Api() {
    for (int i = 1; i <= 7; ++i) add(i);
    routes();
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Api() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void add(int id) {
    std::lock_guard lock(mutex_);
    char day[16];
    std::snprintf(day, sizeof day, "2024-01-%02d", id);
    records_.push_back(
        {{"id", id}, {"name", std::string(1, static_cast<char>('a' + id - 1))}, {"updated_at", day}});
  }

  // Each request's path and query ("/offset?offset=0&limit=3"), in order.
  std::vector<std::string> log() {
    std::lock_guard lock(mutex_);
    return log_;
  }
  std::vector<std::string> log_of(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& l : log())
      if (l.rfind(path + "?", 0) == 0 || l == path) out.push_back(l);
    return out;
  }
  std::vector<Clock::time_point> times_of(const std::string& path) {
    std::lock_guard lock(mutex_);
    std::vector<Clock::time_point> out;
    for (std::size_t i = 0; i < log_.size(); ++i)
      if (log_[i].rfind(path, 0) == 0) out.push_back(times_[i]);
    return out;
  }

 private:
  json slice(std::size_t from, std::size_t n) {
    json out = json::array();
    for (std::size_t i = from; i < records_.size() && i < from + n; ++i) out.push_back(records_[i]);
    return out;
  }
  static std::size_t num(const httplib::Request& q, const char* name, std::size_t otherwise) {
    return q.has_param(name) ? std::stoul(q.get_param_value(name)) : otherwise;
  }
  void record(const httplib::Request& q) {
    std::string line = q.path;
    std::string query;
    for (const auto& [k, v] : q.params) query += (query.empty() ? "?" : "&") + k + "=" + v;
    std::lock_guard lock(mutex_);
    log_.push_back(line + query);
    times_.push_back(Clock::now());
  }
  static void send(httplib::Response& res, const json& body) {
    res.set_content(body.dump(), "application/json");
  }

  void routes() {
    // offset/limit, bearer token, records at data.items, total at meta.total. A wrong token
    // is echoed back in the 401's body (pond must not print it).
    server_.Get("/offset", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      std::string auth = q.get_header_value("Authorization");
      if (auth != std::string("Bearer ") + kToken) {
        res.status = 401;
        send(res, {{"error", "bad credentials: " + auth}});
        return;
      }
      std::lock_guard lock(mutex_);
      send(res, {{"data", {{"items", slice(num(q, "offset", 0), num(q, "limit", 3))}}},
                 {"meta", {{"total", records_.size()}}}});
    });
    // page numbers from 1, basic auth, a top-level list; the page after the last is empty.
    server_.Get("/pages", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      // base64("ann:pw-s3cret-t0ken")
      if (q.get_header_value("Authorization") != "Basic YW5uOnB3LXMzY3JldC10MGtlbg==") {
        res.status = 401;
        return;
      }
      std::lock_guard lock(mutex_);
      send(res, slice((num(q, "page", 1) - 1) * 3, 3));
    });
    // a cursor in the body sent back as ?cursor=, API key in the query.
    server_.Get("/cursor", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      if (q.get_param_value("api_key") != kApiKey) {
        res.status = 403;
        send(res, {{"error", "forbidden"}});
        return;
      }
      std::lock_guard lock(mutex_);
      std::size_t from = q.has_param("cursor") ? std::stoul(q.get_param_value("cursor").substr(1)) : 0;
      json next = from + 3 < records_.size() ? json("c" + std::to_string(from + 3)) : json(nullptr);
      send(res, {{"items", slice(from, 3)}, {"next_cursor", next}});
    });
    // Link: <...>; rel="next" (relative), API key in a header.
    server_.Get("/link", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      if (q.get_header_value("X-Api-Key") != kApiKey) {
        res.status = 401;
        return;
      }
      std::lock_guard lock(mutex_);
      std::size_t page = num(q, "page", 1);
      if (page * 3 < records_.size())
        res.set_header("Link", "</link?page=" + std::to_string(page + 1) +
                                   ">; rel=\"next\", </link?page=9>; rel=\"last\"");
      send(res, slice((page - 1) * 3, 3));
    });
    // the next page's full URL in the body, OAuth2 client credentials.
    server_.Post("/token", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      if (q.get_param_value("grant_type") != "client_credentials" ||
          q.get_param_value("client_id") != "pond" || q.get_param_value("client_secret") != kToken) {
        res.status = 401;
        return;
      }
      send(res, {{"access_token", "oauth-access-1"}, {"token_type", "bearer"}, {"expires_in", 3600}});
    });
    server_.Get("/next", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      if (q.get_header_value("Authorization") != "Bearer oauth-access-1") {
        res.status = 401;
        return;
      }
      std::lock_guard lock(mutex_);
      std::size_t page = num(q, "page", 1);
      json next = page * 3 < records_.size() ? json(base() + "/next?page=" + std::to_string(page + 1))
                                             : json(nullptr);
      send(res, {{"results", slice((page - 1) * 3, 3)}, {"links", {{"next", next}}}});
    });
    // 429 with Retry-After: 1, then 500, then the records.
    server_.Get("/flaky", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      int n = flaky_++;
      if (n == 0) {
        res.status = 429;
        res.set_header("Retry-After", "1");
        return;
      }
      if (n == 1) {
        res.status = 500;
        res.set_content("oops", "text/plain");
        return;
      }
      std::lock_guard lock(mutex_);
      send(res, slice(0, 2));
    });
    server_.Get("/down", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      res.status = 503;
    });
    // a cursor paginator whose API always gives the same next cursor.
    server_.Get("/loop", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      std::lock_guard lock(mutex_);
      send(res, {{"items", slice(0, 2)}, {"next_cursor", "same"}});
    });
    // an API that ignores ?page=: every page is the first.
    server_.Get("/stuck", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      std::lock_guard lock(mutex_);
      send(res, slice(0, 2));
    });
    // pages 1..N of one record each, 150 ms apart (a load to kill in the middle).
    server_.Get("/slow", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      std::lock_guard lock(mutex_);
      std::size_t page = num(q, "page", 1);
      send(res, slice(page - 1, 1));
    });
    // ?since=: the records updated at or after it (inclusive, as many APIs), cursor-paginated.
    server_.Get("/since", [this](const httplib::Request& q, httplib::Response& res) {
      record(q);
      std::lock_guard lock(mutex_);
      std::string since = q.get_param_value("since");
      json out = json::array();
      for (const auto& r : records_)
        if (r["updated_at"].get<std::string>() >= since) out.push_back(r);
      send(res, out);
    });
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<json> records_;
  std::vector<std::string> log_;
  std::vector<Clock::time_point> times_;
  std::atomic<int> flaky_{0};
};

class IngestRest : public PondTest {
 protected:
  void SetUp() override { root_ = init_lake_project("shop"); }

  // pond.yml's `ingest:` becomes `yaml` ({base} stands for the server's URL).
  void resources(std::string yaml) {
    for (auto at = yaml.find("{base}"); at != std::string::npos; at = yaml.find("{base}"))
      yaml.replace(at, 6, api_.base());
    std::ifstream in(root_ / "pond.yml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto from = text.find("\ningest:\n");
    ASSERT_NE(from, std::string::npos);
    std::ofstream(root_ / "pond.yml") << text.substr(0, from) << "\ningest:\n" << yaml;
  }

  ProcessResult pond(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    ProcessOptions o;
    o.env = {{"API_TOKEN", kToken}, {"API_KEY", kApiKey}, {"API_PASSWORD", std::string("pw-") + kToken}};
    for (auto& [k, v] : env) o.env[k] = v;
    return run_pond(args, root_, o);
  }

  std::string rows(const std::string& sql) {
    ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv", "--limit", "-1"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto nl = r.out.find('\n');
    std::string v = nl == std::string::npos ? "" : r.out.substr(nl + 1);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  std::string snapshots() {
    ProcessResult r = run_pond({"lake", "snapshots", "-o", "csv"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  static std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
  }

  Api api_;
  fs::path root_;
};

const char* kAll = "1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g";

TEST_F(IngestRest, EveryPaginatorAndAuthKind) {
  resources(
      "  by_offset:\n"
      "    from: rest\n"
      "    base_url: {base}/\n"
      "    path: /offset\n"
      "    auth: {type: bearer, token: \"${API_TOKEN}\"}\n"
      "    records: data.items\n"
      "    paginator: {type: offset, limit: 3, total: meta.total}\n"
      "  by_page:\n"
      "    from: rest\n"
      "    url: {base}/pages\n"
      "    auth: {type: basic, username: ann, password: {env: API_PASSWORD}}\n"
      "    paginator: {type: page}\n"
      "  by_cursor:\n"
      "    from: rest\n"
      "    url: {base}/cursor\n"
      "    params: {tag: x y}\n"
      "    auth: {type: api_key, name: api_key, value: \"${API_KEY}\", in: query}\n"
      "    records: items\n"
      "    paginator: {type: cursor, cursor: next_cursor, param: cursor}\n"
      "  by_link:\n"
      "    from: rest\n"
      "    url: {base}/link\n"
      "    headers: {X-Api-Key: \"${API_KEY}\"}\n"
      "    paginator: link_header\n"
      "  by_next:\n"
      "    from: rest\n"
      "    url: {base}/next\n"
      "    auth: {type: oauth2_client_credentials, token_url: {base}/token, client_id: pond, client_secret: "
      "\"${API_TOKEN}\"}\n"
      "    records: results\n"
      "    paginator: {type: next_url, next: links.next}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* t : {"by_offset", "by_page", "by_cursor", "by_link", "by_next"}) {
    EXPECT_EQ(rows(std::string("select id, name from raw.") + t + " order by id"), kAll) << t;
    EXPECT_EQ(rows(std::string("select count(distinct _pond_load_id), count(_pond_loaded_at) from raw.") + t),
              "1,7")
        << t;
  }
  // Each paginator's requests, and where it stopped: the total, an empty page, no next cursor/link/URL.
  EXPECT_EQ(joined(api_.log_of("/offset")),
            "/offset?limit=3&offset=0 /offset?limit=3&offset=3 /offset?limit=3&offset=6");
  EXPECT_EQ(joined(api_.log_of("/pages")), "/pages?page=1 /pages?page=2 /pages?page=3 /pages?page=4");
  EXPECT_EQ(joined(api_.log_of("/cursor")),
            "/cursor?api_key=k3y-abc&tag=x y /cursor?api_key=k3y-abc&cursor=c3&tag=x y "
            "/cursor?api_key=k3y-abc&cursor=c6&tag=x y");
  EXPECT_EQ(joined(api_.log_of("/link")), "/link /link?page=2 /link?page=3");
  EXPECT_EQ(joined(api_.log_of("/next")), "/next /next?page=2 /next?page=3");
  EXPECT_EQ(api_.log_of("/token").size(), 1u);
  EXPECT_EQ(rows("select resource, write_disposition, files, rows from raw._pond_loads order by resource"),
            "by_cursor,append,0,7\nby_link,append,0,7\nby_next,append,0,7\nby_offset,append,0,7\nby_page,"
            "append,0,7");
  EXPECT_FALSE(contains(r.out + r.err, kToken));
  EXPECT_FALSE(contains(r.out + r.err, kApiKey));
}

TEST_F(IngestRest, RetriesOn429And500HonouringRetryAfter) {
  resources(
      "  flaky: {from: rest, url: {base}/flaky, backoff: 50ms}\n"
      "  down: {from: rest, url: {base}/down, retries: 2, backoff: 50ms}\n");
  ProcessResult r = pond({"ingest", "-s", "flaky"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, name from raw.flaky order by id"), "1,a\n2,b");
  auto times = api_.times_of("/flaky");
  ASSERT_EQ(times.size(), 3u);
  // Retry-After: 1 waits a second (not the 50 ms backoff); the 500 then the backoff.
  EXPECT_GE(times[1] - times[0], std::chrono::milliseconds(950));
  EXPECT_LT(times[2] - times[1], std::chrono::milliseconds(900));
  EXPECT_TRUE(contains(r.out + r.err, "answered 429 Too Many Requests; retrying in 1000 ms"))
      << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "answered 500 Internal Server Error; retrying in 100 ms"))
      << r.out << r.err;

  std::string before = snapshots();
  r = pond({"ingest", "-s", "down"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "ingest resource 'down': page 1: GET " + api_.base() +
                                          "/down answered 503 Service Unavailable (after 2 retries)"))
      << r.out << r.err;
  EXPECT_EQ(api_.log_of("/down").size(), 3u);
  EXPECT_EQ(snapshots(), before);
}

TEST_F(IngestRest, UnauthorizedIsAClearErrorWithoutSecretsAndChangesNothing) {
  resources(
      "  orders:\n"
      "    from: rest\n"
      "    url: {base}/offset\n"
      "    auth: {type: bearer, token: \"${API_TOKEN}\"}\n"
      "    records: data.items\n"
      "    paginator: {type: offset, limit: 3, total: meta.total}\n"
      "  keyed:\n"
      "    from: rest\n"
      "    url: {base}/cursor\n"
      "    auth: {type: api_key, name: api_key, value: \"${API_KEY}\", in: query}\n"
      "    records: items\n"
      "    paginator: {type: cursor, cursor: next_cursor}\n");
  ASSERT_EQ(pond({"ingest", "-s", "orders"}).exit_code, 0);
  std::string before = snapshots();
  ProcessResult r = pond({"ingest", "-s", "orders"}, {{"API_TOKEN", "wrong-token-9"}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "ingest resource 'orders': page 1: GET " + api_.base() +
                                          "/offset?offset=0&limit=3 answered 401 Unauthorized: "
                                          "{\"error\":\"bad credentials: Bearer ***\"}"))
      << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "check the credentials (auth:)")) << r.out << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "wrong-token-9")) << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
  EXPECT_EQ(rows("select count(*) from raw.orders"), "7");

  r = pond({"ingest", "-s", "keyed"}, {{"API_KEY", "stolen-key-1"}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "ingest resource 'keyed': page 1: GET " + api_.base() +
                                          "/cursor?api_key=*** answered 403 Forbidden"))
      << r.out << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "stolen-key-1")) << r.out << r.err;

  r = run_pond({"ingest", "-s", "keyed"}, root_);  // API_KEY not set at all
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "ingest resource 'keyed': the environment variable API_KEY is not set"))
      << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
}

TEST_F(IngestRest, LoopingPaginatorsAreRefused) {
  resources(
      "  ok: {from: rest, url: {base}/stuck}\n"
      "  looping: {from: rest, url: {base}/loop, records: items, paginator: {type: cursor, cursor: "
      "next_cursor}}\n"
      "  stuck: {from: rest, url: {base}/stuck, paginator: page}\n"
      "  wrong: {from: rest, url: {base}/offset, auth: {type: bearer, token: '${API_TOKEN}'}, records: "
      "data.rows}\n");
  ASSERT_EQ(pond({"ingest", "-s", "ok"}).exit_code, 0);
  std::string before = snapshots();
  ProcessResult r = pond({"ingest", "-s", "looping"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.out + r.err, "ingest resource 'looping': page 2 (GET " + api_.base() +
                                  "/loop?cursor=same): the paginator loops: page 2 gives the next cursor "
                                  "'same' that page 1 gave already"))
      << r.out << r.err;
  r = pond({"ingest", "-s", "stuck"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.out + r.err, "ingest resource 'stuck': page 2 (GET " + api_.base() +
                                  "/stuck?page=2): the paginator loops: page 2 is the same as page 1"))
      << r.out << r.err;
  r = pond({"ingest", "-s", "wrong"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "ingest resource 'wrong': page 1 (GET " + api_.base() +
                                          "/offset): no 'data.rows' in the body"))
      << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "(the body's keys: data, meta)")) << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
}

TEST_F(IngestRest, IncrementalCursorAsksOnlyForNewRecordsAndLoadsNothingTwice) {
  resources(
      "  events:\n"
      "    from: rest\n"
      "    url: {base}/since\n"
      "    incremental: {cursor: updated_at, param: since, initial: \"2024-01-03\"}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, name from raw.events order by id"), "3,c\n4,d\n5,e\n6,f\n7,g");
  EXPECT_EQ(rows("select resource, table_name, cursor_path, cursor_value from raw._pond_load_cursors"),
            "events,raw.events,updated_at,\"\"\"2024-01-07\"\"\"");
  api_.add(8);
  api_.add(9);
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The API answers from `since` on (7, 8, 9): 7 was loaded before and is left out.
  EXPECT_EQ(rows("select id, name, count(*) over (partition by id) from raw.events order by id"),
            "3,c,1\n4,d,1\n5,e,1\n6,f,1\n7,g,1\n8,h,1\n9,i,1");
  EXPECT_EQ(rows("select rows from raw._pond_loads order by loaded_at"), "5\n2");
  std::string before = snapshots();
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "no new records")) << r.out << r.err;
  EXPECT_EQ(snapshots(), before) << "nothing new: no commit";
  EXPECT_EQ(joined(api_.log_of("/since")),
            "/since?since=2024-01-03 /since?since=2024-01-07 /since?since=2024-01-09");
}

TEST_F(IngestRest, MergeByPrimaryKeyAndSchemaEvolutionWorkAsForFiles) {
  resources(
      "  people:\n"
      "    from: rest\n"
      "    url: {base}/since\n"
      "    write: merge\n"
      "    primary_key: id\n"
      "    incremental: {cursor: updated_at, param: since}\n");
  ASSERT_EQ(pond({"ingest"}).exit_code, 0);
  api_.add(8);
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // merge asks from the last value on, inclusive: 7 comes again and replaces itself.
  EXPECT_EQ(rows("select count(*), count(distinct id), max(id) from raw.people"), "8,8,8");
  EXPECT_EQ(joined(api_.log_of("/since")), "/since /since?since=2024-01-07");
}

TEST_F(IngestRest, ParallelRequestsLoadTheSameRecords) {
  resources(
      "  by_offset:\n"
      "    from: rest\n"
      "    url: {base}/offset\n"
      "    auth: {type: bearer, token: \"${API_TOKEN}\"}\n"
      "    records: data.items\n"
      "    paginator: {type: offset, limit: 3, total: meta.total}\n"
      "    parallel: 4\n"
      "  slow: {from: rest, url: {base}/slow, paginator: page, parallel: 4}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, name from raw.by_offset order by id"), kAll);
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.slow"), "1 2 3 4 5 6 7");
  // Up to 4 requests at a time, 3 ahead of the page being written: offset 6 (page 3) reaches the
  // total, offsets 9..15 were asked for already; page 8 is empty, pages 9..11 were asked for.
  auto offsets = api_.log_of("/offset");
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(joined(offsets),
            "/offset?limit=3&offset=0 /offset?limit=3&offset=12 /offset?limit=3&offset=15 "
            "/offset?limit=3&offset=3 /offset?limit=3&offset=6 /offset?limit=3&offset=9");
  EXPECT_EQ(api_.log_of("/slow").size(), 11u);
  // The server takes 150 ms a page: the first four were asked for at once.
  auto times = api_.times_of("/slow");
  ASSERT_GE(times.size(), 4u);
  EXPECT_LT(times[3] - times[0], std::chrono::milliseconds(140));
}

TEST_F(IngestRest, AKilledLoadCommitsNothingAndTheNextLoadsEverythingOnce) {
  resources(
      "  slow:\n"
      "    from: rest\n"
      "    url: {base}/slow\n"
      "    paginator: page\n"
      "    incremental: {cursor: id}\n");
  ASSERT_EQ(pond({"ingest", "-s", "slow"}).exit_code, 0);  // 7 records, 8 pages
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.slow"), "1 2 3 4 5 6 7");
  std::string before = snapshots();
  api_.add(8);
  api_.add(9);
  ProcessOptions kill;
  kill.env = {{"API_TOKEN", kToken}};
  kill.signal = 9;
  kill.signal_after = std::chrono::milliseconds(700);  // within the 10 pages' 1.5 s
  ProcessResult r = run_pond({"ingest", "-s", "slow"}, root_, kill);
  EXPECT_EQ(r.exit_code, 128 + 9) << r.out << r.err;
  EXPECT_EQ(snapshots(), before) << "killed while reading the API: nothing committed";
  r = pond({"ingest", "-s", "slow"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      rows("select string_agg(id::varchar, ' ' order by id), count(distinct _pond_load_id) from raw.slow"),
      "1 2 3 4 5 6 7 8 9,2");
  EXPECT_EQ(rows("select cursor_value from raw._pond_load_cursors order by loaded_at"), "7\n9");
}

// on_bad_record: quarantine: a record whose value does not cast to its `columns:` type goes to
// <table>__rejected with its page's URL and place; the others load.
TEST_F(IngestRest, RecordsThatDoNotCastAreQuarantinedWithTheirPage) {
  resources(
      "  bad: {from: rest, url: {base}/slow, paginator: page, on_bad_record: quarantine, columns: {id: "
      "\"DECIMAL(1,0)\", name: VARCHAR}}\n");
  api_.add(10);  // 10 does not fit DECIMAL(1,0)
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.bad"), "1 2 3 4 5 6 7");
  EXPECT_EQ(
      rows("select source, line, record, error from raw.bad__rejected"),
      api_.base() +
          "/slow?page=8,1,\"{\"\"id\"\":10,\"\"name\"\":\"\"j\"\",\"\"updated_at\"\":\"\"2024-01-10\"\"}\","
          "\"column 'id': the value 10 is not DECIMAL(1,0)\"");
  EXPECT_EQ(rows("select rows, rows_rejected from raw._pond_loads"), "7,1");
}

}  // namespace

}  // namespace pond::test
