// Ingestion end to end: `pond ingest` and `pond materialize` load files named in pond.yml into
// lake tables, each file exactly once (also across kill -9), with the dispositions, schema
// evolution and the bad-input errors of docs/ingest.md.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "pond_runner.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;

class Ingest : public PondTest {
 protected:
  void SetUp() override {
    root_ = init_lake_project("shop");
    fs::create_directories(root_ / "landing");
  }

  // The example's own resource (reviews) makes way for the test's.
  void add_resources(const std::string& yaml) {
    std::string text = read(root_ / "pond.yml");
    auto from = text.find("\ningest:\n");  // the example's last section
    ASSERT_NE(from, std::string::npos);
    text = text.substr(0, from) + "\ningest:\n" + yaml;
    std::ofstream(root_ / "pond.yml") << text;
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }

  // A CSV of rows `first`..`last` (id, name, amount) of batch `batch`.
  void write_csv(const std::string& rel, int first, int last, int batch = 0) {
    std::string text = "id,name,amount,batch\n";
    for (int i = first; i <= last; ++i)
      text += std::to_string(i) + ",n" + std::to_string(i) + "," + std::to_string(i) + ".5," +
              std::to_string(batch) + "\n";
    write(rel, text);
  }

  // Writes a parquet file with DuckDB (exact column types).
  void write_parquet(const std::string& rel, const std::string& select) {
    fs::create_directories((root_ / rel).parent_path());
    engine::Database db = engine::Database::open(":memory:");
    engine::Connection con(db);
    con.execute("COPY (" + select + ") TO '" + (root_ / rel).string() + "' (FORMAT parquet)");
  }

  ProcessResult pond(const std::vector<std::string>& args) { return run_pond(args, root_); }

  // The query's rows as CSV lines (no header).
  std::string rows(const std::string& sql) {
    ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv", "--limit", "-1"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto nl = r.out.find('\n');
    std::string v = nl == std::string::npos ? "" : r.out.substr(nl + 1);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  // Every snapshot of the lake with what it changed.
  std::string snapshots() {
    ProcessResult r = run_pond({"lake", "snapshots", "-o", "csv"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  fs::path root_;
};

TEST_F(Ingest, FirstLoadThenOnlyNewFilesThenNothing) {
  add_resources("  orders: {from: files, path: landing/orders/*.csv}\n");
  write_csv("landing/orders/a.csv", 1, 3);
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, name, amount from raw.orders order by id"), "1,n1,1.5\n2,n2,2.5\n3,n3,3.5");
  EXPECT_EQ(rows("select count(*), count(distinct _pond_load_id), count(_pond_loaded_at) from raw.orders"),
            "3,1,3");
  EXPECT_EQ(rows("select resource, table_name, write_disposition, files, rows from raw._pond_loads"),
            "orders,raw.orders,append,1,3");
  EXPECT_EQ(rows("select path from raw._pond_load_files"), "landing/orders/a.csv");

  write_csv("landing/orders/b.csv", 4, 5);
  r = pond({"ingest", "-s", "orders"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.orders"), "1 2 3 4 5");
  EXPECT_EQ(rows("select files, rows from raw._pond_loads order by loaded_at"), "1,3\n1,2");
  // The second load's rows carry its own load id, the one _pond_loads records.
  EXPECT_EQ(rows("select count(*) from raw.orders o join raw._pond_loads l on o._pond_load_id = l.load_id "
                 "where l.rows = 2 and o.id in (4, 5)"),
            "2");

  std::string before = snapshots();
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(snapshots(), before) << "nothing new: no commit";
  EXPECT_EQ(rows("select count(*) from raw.orders"), "5");

  // A file that changed (size or mtime) is a new file.
  write_csv("landing/orders/b.csv", 6, 6);
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.orders"), "1 2 3 4 5 6");
}

TEST_F(Ingest, MergeUpsertsByPrimaryKeyAndReplaceReplaces) {
  add_resources(
      "  customers: {from: files, path: landing/c/*.jsonl, write: merge, primary_key: id}\n"
      "  prices: {from: files, path: landing/p/*.csv, write: replace, delimiter: ';', null_strings: "
      "['NA']}\n");
  write("landing/c/1.jsonl", "{\"id\": 1, \"name\": \"ann\"}\n{\"id\": 2, \"name\": \"bob\"}\n");
  write("landing/p/1.csv", "sku;price\na;1\nb;NA\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // A later row of the same key in one load wins; rows of other keys are added.
  write("landing/c/2.jsonl",
        "{\"id\": 2, \"name\": \"bobby\"}\n{\"id\": 3, \"name\": \"cy\"}\n{\"id\": 3, \"name\": \"cyd\"}\n");
  write("landing/p/2.csv", "sku;price\nc;3\n");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, name from raw.customers order by id"), "1,ann\n2,bobby\n3,cyd");
  // replace: the table is what all the files hold now, once.
  EXPECT_EQ(rows("select sku, coalesce(price::varchar, 'null') from raw.prices order by sku"),
            "a,1\nb,null\nc,3");
  r = pond({"ingest", "-s", "prices"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*) from raw.prices"), "3");
}

// scd2: every version kept with its validity; a changed row retires its current version, an
// unchanged one stays; a key missing from a full extract is retired, from an incremental load not.
TEST_F(Ingest, Scd2KeepsEveryVersionWithItsValidity) {
  add_resources(
      "  dim: {from: files, path: landing/d/customers.csv, write: scd2, primary_key: id, incremental: none}\n"
      "  parts: {from: files, path: landing/p/*.csv, write: scd2, primary_key: [sku, plant]}\n");
  write("landing/d/customers.csv", "id,name\n1,ann\n2,bob\n3,cy\n");
  write("landing/p/1.csv", "sku,plant,qty\na,x,1\nb,x,2\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, name, _pond_valid_to is null from raw.dim order by id"),
            "1,ann,true\n2,bob,true\n3,cy,true");
  write("landing/d/customers.csv", "id,name\n1,ann\n2,bobby\n4,dee\n2,bobby\n");
  write("landing/p/2.csv", "sku,plant,qty\nb,x,5\n");  // only b: a stays current
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, name, _pond_valid_to is null from raw.dim order by id, _pond_valid_from"),
            "1,ann,true\n2,bob,false\n2,bobby,true\n3,cy,false\n4,dee,true");
  // A retired version ends when its successor begins: at the second load's time.
  EXPECT_EQ(rows("select count(*) from raw.dim a join raw.dim b on a.id = b.id and a._pond_valid_to = "
                 "b._pond_valid_from"),
            "1");
  EXPECT_EQ(rows("select count(*) from raw.dim d join raw._pond_loads l on d._pond_valid_to = l.loaded_at "
                 "where l.resource = 'dim'"),
            "2");
  EXPECT_EQ(rows("select sku, qty, _pond_valid_to is null from raw.parts order by sku, _pond_valid_from"),
            "a,1,true\nb,2,false\nb,5,true");
  // Nothing changed: no version is added or retired.
  r = pond({"ingest", "-s", "dim"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), count(_pond_valid_to) from raw.dim"), "5,2");
  // A deleted key that comes back is a new version.
  write("landing/d/customers.csv", "id,name\n1,ann\n2,bobby\n3,cy\n4,dee\n");
  r = pond({"ingest", "-s", "dim"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      rows("select id, name, _pond_valid_to is null from raw.dim where id = 3 order by _pond_valid_from"),
      "3,cy,false\n3,cy,true");

  add_resources("  dim: {from: files, path: landing/d/customers.csv, write: scd2}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "write: scd2 needs 'primary_key:'")) << r.err;
  add_resources(
      "  dim: {from: files, path: landing/d/customers.csv, write: merge, primary_key: id, retire_absent: "
      "true}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "'retire_absent:' belongs to write: scd2")) << r.err;
}

TEST_F(Ingest, SchemaEvolvesByAddingAndWideningNeverNarrowing) {
  add_resources("  events: {from: files, path: landing/e/*.parquet}\n");
  write_parquet("landing/e/1.parquet", "SELECT 1::INTEGER AS id, 1.5::FLOAT AS v");
  ASSERT_EQ(pond({"ingest"}).exit_code, 0);
  write_parquet("landing/e/2.parquet", "SELECT 3000000000::BIGINT AS id, 2.25::DOUBLE AS v, 'x' AS extra");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, v, coalesce(extra, '-') from raw.events order by id"),
            "1,1.5,-\n3000000000,2.25,x");
  EXPECT_EQ(rows("select typeof(id), typeof(v) from raw.events limit 1"), "BIGINT,DOUBLE");

  std::string before = snapshots();
  write_parquet("landing/e/3.parquet", "SELECT 'text' AS id");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "column 'id' of raw.events is BIGINT but the new rows have VARCHAR"))
      << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
  EXPECT_EQ(rows("select count(*) from raw._pond_load_files"), "2");
}

TEST_F(Ingest, BadInputNamesResourceFileAndLineAndChangesNothing) {
  add_resources(
      "  orders: {from: files, path: landing/orders/*.csv}\n"
      "  events: {from: files, path: landing/events/*.jsonl}\n"
      "  zipped: {from: files, path: \"landing/zipped/*.csv.gz\"}\n"
      "  missing: {from: files, path: landing/nowhere/*.csv}\n");
  write_csv("landing/orders/a.csv", 1, 2);
  write("landing/events/a.jsonl", "{\"id\": 1}\n");
  std::string big;
  for (int i = 0; i < 20000; ++i) big += std::to_string(i) + ",x,1.5,0\n";
  write("landing/zipped/a.csv", "id,name,amount,batch\n" + big);
  ASSERT_EQ(std::system(("gzip -f " + (root_ / "landing/zipped/a.csv").string()).c_str()), 0);
  ProcessResult r = pond({"ingest", "-s", "orders", "-s", "events", "-s", "zipped"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string before = snapshots();

  struct Case {
    std::string resource, file, text, expect;
  };
  std::vector<Case> cases{
      {"orders", "landing/orders/b.csv", "id,name,amount,batch\n7,x,1.5,0\n8,y\n",
       "landing/orders/b.csv:3: Original Line: 8,y; Expected Number of Columns: 4 Found: 2"},
      {"orders", "landing/orders/c.csv", "id,name,amount,batch\n7,\"x,1.5,0\n",
       "landing/orders/c.csv:2: Original Line: 7,\"x,1.5,0"},
      {"events", "landing/events/b.jsonl", "{\"id\": 2}\n{\"id\": 3,\n{\"id\": 4}\n",
       "landing/events/b.jsonl:3:"},
  };
  for (const auto& c : cases) {
    write(c.file, c.text);
    r = pond({"ingest", "-s", c.resource});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(contains(r.out + r.err, "ingest resource '" + c.resource + "': " + c.expect))
        << r.out << r.err;
    EXPECT_EQ(snapshots(), before) << c.file;
    fs::remove(root_ / c.file);
  }
  // A truncated gzip file reads as fewer rows in DuckDB; pond refuses it.
  write("landing/zipped/b.csv.gz", "");
  fs::copy_file(root_ / "landing/zipped/a.csv.gz", root_ / "landing/zipped/b.csv.gz",
                fs::copy_options::overwrite_existing);
  fs::resize_file(root_ / "landing/zipped/b.csv.gz", fs::file_size(root_ / "landing/zipped/b.csv.gz") / 2);
  r = pond({"ingest", "-s", "zipped"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err,
                       "ingest resource 'zipped': landing/zipped/b.csv.gz: the gzip stream ends early"))
      << r.out << r.err;
  r = pond({"ingest", "-s", "missing"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "ingest resource 'missing': no folder")) << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
  EXPECT_EQ(rows("select count(*) from raw.orders"), "2");
  EXPECT_EQ(rows("select count(*) from raw.zipped"), "20000");
}

TEST_F(Ingest, KilledLoadsNeverLoadTwiceNorSkip) {
  add_resources("  orders: {from: files, path: landing/orders/*.csv}\n");
  constexpr int kRows = 60000;
  write_csv("landing/orders/f0.csv", 1, kRows, 0);
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto full = r.elapsed;
  // Each round adds a file and kills the load at another point of its run.
  int killed = 0;
  constexpr int kRounds = 6;
  for (int round = 1; round <= kRounds; ++round) {
    write_csv("landing/orders/f" + std::to_string(round) + ".csv", round * kRows + 1, (round + 1) * kRows,
              round);
    ProcessOptions kill;
    kill.signal = 9;
    kill.signal_after = full * round / (kRounds + 1);
    r = run_pond({"ingest"}, root_, kill);
    killed += r.exit_code == 128 + 9;
    // Whatever the moment: every file is in the table completely or not at all, and the
    // bookkeeping says exactly which.
    EXPECT_EQ(
        rows("select count(*) from (select batch, count(*) n, count(distinct id) d from raw.orders group by "
             "batch) where n <> " +
             std::to_string(kRows) + " or d <> n"),
        "0");
    EXPECT_EQ(rows("select (select count(distinct batch) from raw.orders) = (select count(*) from "
                   "raw._pond_load_files)"),
              "true");
  }
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), count(distinct id), min(id), max(id) from raw.orders"),
            std::to_string((kRounds + 1) * kRows) + "," + std::to_string((kRounds + 1) * kRows) + ",1," +
                std::to_string((kRounds + 1) * kRows));
  EXPECT_GT(killed, 0) << "no load was killed: the test proves nothing";
}

TEST_F(Ingest, IsAnAssetUpstreamOfTheDbtSourceOnItsTable) {
  add_resources("  events: {from: files, path: landing/events/*.csv}\n");
  write_csv("landing/events/a.csv", 1, 4);
  write("models/raw_sources.yml",
        "version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: events\n");
  write("models/event_count.sql", "select count(*) as n from {{ source('raw', 'events') }}\n");
  ProcessResult r = pond({"materialize", "-s", "+event_count"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "ingest events")) << r.out;
  EXPECT_EQ(rows("select n from event_count"), "4");
  r = pond({"status", "-s", "events", "-o", "csv"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "ingest")) << r.out;
}

TEST_F(Ingest, TheExampleProjectIngestsItsLandingFolderBeforeItsModels) {
  // `pond build` (dbt) leaves the ingested part to `pond materialize`.
  ProcessResult r = pond({"build"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "customer_reviews")) << r.out;
  r = pond({"materialize", "-s", "+customer_reviews"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(r.out.find("ingest reviews"), r.out.find("customer_reviews")) << r.out;
  // Review 2 was sent twice: its later version replaced the first.
  EXPECT_EQ(rows("select review_id, stars from raw.reviews order by review_id"), "1,5\n2,4\n3,4\n4,4\n5,2");
  EXPECT_EQ(rows("select customer_id, reviews, average_stars from customer_reviews order by customer_id"),
            "1,2,4.5\n3,1,4.0\n7,1,4.0\n12,1,2.0");
  write("landing/reviews/2026-03-03.jsonl",
        "{\"review_id\": 6, \"customer_id\": 12, \"stars\": 5, \"title\": \"Better\", "
        "\"reviewed_at\": \"2026-03-03 12:00:00\"}\n");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), max(review_id) from raw.reviews"), "6,6");
  EXPECT_EQ(rows("select count(*) from raw._pond_loads"), "2");
}

TEST_F(Ingest, PondYmlIsReadStrictly) {
  add_resources("  orders: {from: files, path: landing/*.csv, wirte: merge}\n");
  ProcessResult r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pond.yml:")) << r.err;
  EXPECT_TRUE(contains(r.err, "unknown key 'wirte' in ingest resource 'orders'")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'write'?")) << r.err;
  std::string text = read(root_ / "pond.yml");
  text.replace(text.find("wirte: merge"), 12, "write: append");
  std::ofstream(root_ / "pond.yml") << text;
  r = pond({"ingest", "-s", "ordrs"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "did you mean 'orders'?")) << r.err;
}

}  // namespace

}  // namespace pond::test
