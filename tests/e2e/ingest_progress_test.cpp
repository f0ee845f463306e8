// Ingest progress end to end: while a REST resource's pages arrive (a local cpp-httplib server
// that answers slowly), the run's events carry rows, bytes, rows/s and bytes/s about once a
// second, the step's metadata the final numbers, and on a terminal (a pty from script(1)) the
// run's live line shows them next to the step; not with --quiet, nor off a terminal.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "pond_runner.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kPages = 12;
constexpr int kPerPage = 50;

// GET /slow?page=N: pages 1..kPages of kPerPage records, 150 ms each; an empty page after them.
class SlowApi {
 public:
  SlowApi() {
    server_.Get("/slow", [this](const httplib::Request& q, httplib::Response& res) {
      int page = q.has_param("page") ? std::stoi(q.get_param_value("page")) : 1;
      json out = json::array();
      if (page <= kPages) {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        for (int k = 0; k < kPerPage; ++k)
          out.push_back({{"id", page * 1000 + k}, {"text", "record " + std::to_string(k)}});
      }
      std::string body = out.dump();
      bytes_ += static_cast<std::int64_t>(body.size());
      res.set_content(body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~SlowApi() {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::int64_t bytes() const { return bytes_; }
  void reset() { bytes_ = 0; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<std::int64_t> bytes_{0};
};

class IngestProgress : public PondTest {
 protected:
  void SetUp() override {
    root_ = init_lake_project("shop");
    std::ifstream in(root_ / "pond.yml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto from = text.find("\ningest:\n");
    ASSERT_NE(from, std::string::npos);
    std::ofstream(root_ / "pond.yml")
        << text.substr(0, from) << "\ningest:\n  events: {from: rest, url: " << api_.base()
        << "/slow, paginator: {type: page}, write: replace}\n";
  }

  SlowApi api_;
  fs::path root_;
};

TEST_F(IngestProgress, EventsAndMetadataCarryRowsBytesAndRates) {
  ProcessResult r = run_pond({"ingest"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "running: events")) << "no terminal: no live line";
  auto store = runstore::RunStore::open(root_ / ".pond" / "state.db");
  auto runs = store.recent_runs(1);
  ASSERT_EQ(runs.size(), 1u);
  std::vector<json> ticks;
  for (const auto& e : store.events_of(runs[0].run_id))
    if (e.kind == "ingest_progress") ticks.push_back(json::parse(e.payload_json));
  // 12 pages of 150 ms: about 1.8 s, so at least one tick a second.
  ASSERT_GE(ticks.size(), 1u);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    EXPECT_GT(ticks[i]["rows"].get<std::int64_t>(), 0) << ticks[i];
    EXPECT_LT(ticks[i]["rows"].get<std::int64_t>(), kPages * kPerPage) << "a tick while pages still arrive";
    EXPECT_GT(ticks[i]["bytes"].get<std::int64_t>(), 0);
    EXPECT_GT(ticks[i]["rows_per_second"].get<double>(), 0);
    EXPECT_GT(ticks[i]["bytes_per_second"].get<double>(), 0);
    if (i > 0) {
      EXPECT_GE(ticks[i]["rows"].get<std::int64_t>(), ticks[i - 1]["rows"].get<std::int64_t>());
    }
  }
  auto mats = store.materializations_of("events", 1);
  ASSERT_EQ(mats.size(), 1u);
  json meta = json::parse(mats[0].metadata_json);
  EXPECT_EQ(meta["rows"], kPages * kPerPage) << meta;
  EXPECT_EQ(meta["bytes"], api_.bytes()) << meta;
  double seconds = meta["seconds"].get<double>();
  EXPECT_GT(seconds, 1.5);
  EXPECT_NEAR(meta["rows_per_second"].get<double>(), kPages * kPerPage / seconds, 1e-6) << meta;
  EXPECT_NEAR(meta["bytes_per_second"].get<double>(), static_cast<double>(api_.bytes()) / seconds, 1e-6)
      << meta;
}

TEST_F(IngestProgress, ATerminalGetsAProgressLineButNotWithQuiet) {
  auto on_terminal = [&](const std::string& args) {
    ProcessOptions o;
    o.cwd = root_;
    // script(1) runs the command on a pseudo-terminal: stderr is a tty there.
    return run_process(
        {"/usr/bin/script", "-q", "-e", "-c", std::string(POND_BINARY) + " " + args, "/dev/null"}, o);
  };
  ProcessResult r = on_terminal("ingest");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The run's live line shows the step with its numbers as pages arrive.
  EXPECT_TRUE(contains(r.out, "\r\033[K[                        ] 0/1  running: events (")) << r.out;
  EXPECT_TRUE(contains(r.out, " rows/s), ")) << r.out;
  EXPECT_TRUE(contains(r.out, "B/s)")) << r.out;
  r = on_terminal("--quiet ingest");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "running: events")) << r.out;
}

}  // namespace

}  // namespace pond::test
