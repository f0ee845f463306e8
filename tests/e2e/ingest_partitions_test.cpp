// Partitioned ingest resources end to end: a REST resource partitioned by day asks a local HTTP
// server (cpp-httplib, in this process) for each partition's window (since/until), a backfill of
// three days loads three partitions, and loading a day again replaces that day's rows (never
// doubles them); _pond_loads records each load's partition. pond.yml's partition keys are read
// strictly.
#include <gtest/gtest.h>
#include <httplib.h>

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

// GET /events?since=YYYY-MM-DD&until=YYYY-MM-DD: two records per day of [since, until), days of
// March 2026, each with the server's current `version`.
class DayApi {
 public:
  DayApi() {
    server_.Get("/events", [this](const httplib::Request& q, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      log_.push_back(q.path + "?since=" + q.get_param_value("since") +
                     "&until=" + q.get_param_value("until"));
      if (!q.has_param("since") || !q.has_param("until")) {
        res.status = 400;
        return;
      }
      json out = json::array();
      for (int day = 1; day <= 31; ++day) {
        char date[16];
        std::snprintf(date, sizeof date, "2026-03-%02d", day);
        if (date < q.get_param_value("since") || date >= q.get_param_value("until") || date == dropped_)
          continue;
        for (int k = 1; k <= 2; ++k)
          out.push_back({{"id", day * 10 + k}, {"day", date}, {"version", version_}});
      }
      res.set_content(out.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~DayApi() {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_version(const std::string& v) {
    std::lock_guard lock(mutex_);
    version_ = v;
  }
  void drop_day(const std::string& day) {
    std::lock_guard lock(mutex_);
    dropped_ = day;
  }
  std::vector<std::string> log() {
    std::lock_guard lock(mutex_);
    return log_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::string version_ = "v1";
  std::string dropped_;  // a day the API has no records for
  std::vector<std::string> log_;
};

class IngestPartitions : public PondTest {
 protected:
  void SetUp() override { root_ = init_lake_project("shop"); }

  // pond.yml's `ingest:` becomes `yaml` ({base} stands for the server's URL); the example's
  // `daily` partitions (from 2026-03-01, UTC) stay.
  void resources(std::string yaml) {
    for (auto at = yaml.find("{base}"); at != std::string::npos; at = yaml.find("{base}"))
      yaml.replace(at, 6, api_.base());
    std::ifstream in(root_ / "pond.yml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto from = text.find("\ningest:\n");
    ASSERT_NE(from, std::string::npos);
    std::ofstream(root_ / "pond.yml") << text.substr(0, from) << "\ningest:\n" << yaml;
  }

  std::string rows(const std::string& sql) {
    ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv", "--limit", "-1"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto nl = r.out.find('\n');
    std::string v = nl == std::string::npos ? "" : r.out.substr(nl + 1);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  DayApi api_;
  fs::path root_;
};

const char* kEvents =
    "  events:\n"
    "    from: rest\n"
    "    url: {base}/events\n"
    "    partitions: daily\n"
    "    window: {since: since, until: until, format: date}\n";

TEST_F(IngestPartitions, BackfillLoadsEachDaysWindowAndALoadAgainReplacesThatDay) {
  resources(kEvents);
  ProcessResult r =
      run_pond({"backfill", "-s", "events", "--from", "2026-03-02", "--to", "2026-03-04"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> expected{"/events?since=2026-03-02&until=2026-03-03",
                                    "/events?since=2026-03-03&until=2026-03-04",
                                    "/events?since=2026-03-04&until=2026-03-05"};
  std::vector<std::string> log = api_.log();
  std::sort(log.begin(), log.end());
  EXPECT_EQ(log, expected);
  EXPECT_EQ(rows("select id, day, version, _pond_partition from raw.events order by id"),
            "21,2026-03-02,v1,2026-03-02\n22,2026-03-02,v1,2026-03-02\n"
            "31,2026-03-03,v1,2026-03-03\n32,2026-03-03,v1,2026-03-03\n"
            "41,2026-03-04,v1,2026-03-04\n42,2026-03-04,v1,2026-03-04");

  // The same day again: its rows are replaced (the API's new version), the others kept, none doubled.
  api_.set_version("v2");
  r = run_pond({"ingest", "-s", "events", "--partition", "2026-03-03"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, version from raw.events order by id"),
            "21,v1\n22,v1\n31,v2\n32,v2\n41,v1\n42,v1");
  EXPECT_EQ(rows("select partition_key, rows, write_disposition from raw._pond_loads order by loaded_at"),
            "2026-03-02,2,replace\n2026-03-03,2,replace\n2026-03-04,2,replace\n2026-03-03,2,replace");

  // One run over two days (materialize --from/--to): each day replaced, still no doubles.
  api_.set_version("v3");
  r = run_pond({"materialize", "-s", "events", "--from", "2026-03-04", "--to", "2026-03-05"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, version from raw.events order by id"),
            "21,v1\n22,v1\n31,v2\n32,v2\n41,v3\n42,v3\n51,v3\n52,v3");
  EXPECT_EQ(rows("select count(*), count(distinct id) from raw.events"), "8,8");
  EXPECT_EQ(api_.log().back(), "/events?since=2026-03-05&until=2026-03-06");

  // The API has nothing for a day any more: loading it empties that day.
  api_.drop_day("2026-03-04");
  r = run_pond({"ingest", "--partition", "2026-03-04"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id from raw.events order by id"), "21\n22\n31\n32\n51\n52");
  EXPECT_EQ(rows("select partition_key, rows from raw._pond_loads order by loaded_at desc limit 1"),
            "2026-03-04,0");
}

TEST_F(IngestPartitions, PartitionedResourcesAreReadStrictly) {
  auto expect_error = [&](const std::string& yaml, const std::string& message) {
    resources(yaml);
    ProcessResult r = run_pond({"ingest"}, root_);
    EXPECT_EQ(r.exit_code, 2) << yaml << r.out << r.err;
    EXPECT_TRUE(contains(r.err, message)) << yaml << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, "pond.yml:")) << r.err;
  };
  expect_error("  events: {from: rest, url: {base}/events, partitions: daily}\n",
               "'window:' says how the partition reaches the source");
  expect_error("  events: {from: rest, url: {base}/events, partitions: dayly, window: {since: s}}\n",
               "unknown partitions 'dayly'");
  expect_error(
      "  events: {from: rest, url: {base}/events, partitions: daily, write: append, window: {since: s}}\n",
      "each load replaces its partition's rows");
  expect_error("  events: {from: rest, url: {base}/events, window: {since: s}}\n",
               "'window:' belongs to a partitioned resource");
  expect_error(
      "  events: {from: rest, url: {base}/events, partitions: daily, window: {since: s},"
      " incremental: {cursor: id}}\n",
      "not a cursor");
  expect_error(
      "  events: {from: rest, url: {base}/events, partitions: daily, window: {since: s, format: day}}\n",
      "must be iso8601, date, unix or unix_ms");
  expect_error("  events: {from: files, path: landing/*.csv, partitions: daily}\n",
               "'path:' must name its partition's files");
  expect_error("  events: {from: files, path: \"landing/{date}/*.csv\"}\n", "has no partitions");
  expect_error("  events: {from: postgres, connection: \"host=x\", source_table: t, partitions: daily}\n",
               "e.g. window: {column: created_at}");
}

TEST_F(IngestPartitions, FilesOfAPartitionReplaceItsRows) {
  resources(
      "  visits:\n"
      "    from: files\n"
      "    path: landing/visits/{date}/*.csv\n"
      "    partitions: daily\n");
  for (const char* day : {"2026-03-01", "2026-03-02"}) {
    fs::create_directories(root_ / "landing" / "visits" / day);
    std::ofstream(root_ / "landing" / "visits" / day / "a.csv")
        << "id,day\n1," << day << "\n2," << day << "\n";
  }
  ProcessResult r = run_pond({"ingest", "--from", "2026-03-01", "--to", "2026-03-02"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      rows("select id, day, _pond_partition from raw.visits order by day, id"),
      "1,2026-03-01,2026-03-01\n2,2026-03-01,2026-03-01\n1,2026-03-02,2026-03-02\n2,2026-03-02,2026-03-02");
  // A file of the day changed: the day is loaded again whole, replacing its rows.
  std::ofstream(root_ / "landing" / "visits" / "2026-03-02" / "a.csv") << "id,day\n3,2026-03-02\n";
  r = run_pond({"ingest", "--partition", "2026-03-02"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, day from raw.visits order by day, id"),
            "1,2026-03-01\n2,2026-03-01\n3,2026-03-02");
}

// Nested JSON in a partitioned resource: loading a day again replaces that day's child rows
// too, and keeps the other days' (the child table is not replaced whole).
TEST_F(IngestPartitions, APartitionReplacedReplacesItsChildRowsOnly) {
  resources(
      "  carts:\n"
      "    from: files\n"
      "    path: landing/carts/{date}/*.jsonl\n"
      "    partitions: daily\n");
  for (const char* day : {"2026-03-01", "2026-03-02"}) {
    fs::create_directories(root_ / "landing" / "carts" / day);
    std::ofstream(root_ / "landing" / "carts" / day / "a.jsonl")
        << "{\"id\": 1, \"day\": \"" << day << "\", \"items\": [{\"sku\": \"a\"}, {\"sku\": \"b\"}]}\n";
  }
  ProcessResult r = run_pond({"ingest", "--from", "2026-03-01", "--to", "2026-03-02"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string children =
      "select c.day, i.sku from raw.carts__items i join raw.carts c on i._pond_parent_id = c._pond_id "
      "order by 1, 2";
  EXPECT_EQ(rows(children), "2026-03-01,a\n2026-03-01,b\n2026-03-02,a\n2026-03-02,b");
  std::ofstream(root_ / "landing" / "carts" / "2026-03-02" / "a.jsonl")
      << "{\"id\": 1, \"day\": \"2026-03-02\", \"items\": [{\"sku\": \"c\"}]}\n";
  r = run_pond({"ingest", "--partition", "2026-03-02"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows(children), "2026-03-01,a\n2026-03-01,b\n2026-03-02,c");
  EXPECT_EQ(rows("select count(*) from raw.carts__items"), "3");  // no orphan child rows
}

}  // namespace

}  // namespace pond::test
