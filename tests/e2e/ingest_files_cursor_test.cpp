// Files incremental by a cursor column end to end: `incremental: {cursor: COLUMN, initial: V}`
// loads only the rows past the last load's highest value (files that overlap earlier ones
// included), keeps the value in _pond_load_cursors in the same commit as the rows, and a load
// killed at any moment never loads a row twice nor skips one.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "pond_runner.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;

class IngestFilesCursor : public PondTest {
 protected:
  void SetUp() override { root_ = init_lake_project("shop"); }

  void resources(const std::string& yaml) {
    std::ifstream in(root_ / "pond.yml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto from = text.find("\ningest:\n");
    ASSERT_NE(from, std::string::npos);
    std::ofstream(root_ / "pond.yml") << text.substr(0, from) << "\ningest:\n" << yaml;
  }

  // A CSV of events first..last (id, updated_at = day `id` of 2024 as a date, batch).
  void write_csv(const std::string& rel, int first, int last, int batch) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream out(root_ / rel);
    out << "id,updated_at,batch\n";
    for (int i = first; i <= last; ++i) out << i << ",2024-01-01 00:00:00," << batch << "\n";
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
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

  fs::path root_;
};

TEST_F(IngestFilesCursor, LoadsOnlyRowsPastTheLastValueAcrossOverlappingFiles) {
  resources(
      "  events:\n"
      "    from: files\n"
      "    path: landing/events/*.csv\n"
      "    incremental: {cursor: updated_at, initial: \"2024-01-02\"}\n");
  write("landing/events/a.csv",
        "id,updated_at,v\n1,2024-01-01 10:00:00,a\n2,2024-01-02 10:00:00,a\n3,2024-01-03 10:00:00,a\n");
  ProcessResult r = run_pond({"ingest"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, v from raw.events order by id"), "2,a\n3,a") << "initial: leaves out row 1";
  EXPECT_EQ(rows("select cursor_path, cursor_value from raw._pond_load_cursors"),
            "updated_at,\"\"\"2024-01-03 10:00:00\"\"\"");
  // A second file overlaps the first (an export of the last days again) and the first grows.
  write("landing/events/b.csv",
        "id,updated_at,v\n3,2024-01-03 10:00:00,b\n4,2024-01-04 10:00:00,b\n5,2024-01-05 10:00:00,b\n");
  r = run_pond({"ingest"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, v from raw.events order by id"), "2,a\n3,a\n4,b\n5,b");
  EXPECT_EQ(rows("select rows from raw._pond_loads order by loaded_at"), "2\n2");
  // Nothing new: no commit.
  std::string before = snapshots();
  r = run_pond({"ingest"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "no new rows")) << r.out << r.err;
  EXPECT_EQ(snapshots(), before);

  // merge: from the last value on, the key replacing a row of that value.
  resources(
      "  events:\n"
      "    from: files\n"
      "    path: landing/events/*.csv\n"
      "    write: merge\n"
      "    primary_key: id\n"
      "    incremental: {cursor: updated_at}\n");
  write("landing/events/c.csv", "id,updated_at,v\n5,2024-01-05 10:00:00,c\n6,2024-01-06 10:00:00,c\n");
  r = run_pond({"ingest"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, v from raw.events order by id"), "2,a\n3,a\n4,b\n5,c\n6,c");
}

TEST_F(IngestFilesCursor, ErrorsNameTheResourceAndChangeNothing) {
  resources("  events: {from: files, path: landing/events/*.csv, incremental: {cursor: nope}}\n");
  write("landing/events/a.csv", "id,updated_at\n1,2024-01-01\n");
  ProcessResult r = run_pond({"ingest"}, root_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.out + r.err, "ingest resource 'events': the incremental cursor 'nope' is not a column"))
      << r.err;
  resources("  events: {from: files, path: landing/events/*.csv, incremental: {cursor: updated_at}}\n");
  write("landing/events/b.csv", "id,updated_at\n2,\n");
  r = run_pond({"ingest"}, root_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.out + r.err, "1 row(s) of the files have no value (NULL) in the cursor column 'updated_at'"))
      << r.err;
  EXPECT_FALSE(contains(snapshots(), "events"));
  resources(
      "  events: {from: files, path: landing/events/*.csv, write: replace, incremental: {cursor: "
      "updated_at}}\n");
  r = run_pond({"ingest"}, root_);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "an incremental cursor belongs to append, merge and scd2")) << r.err;
}

TEST_F(IngestFilesCursor, KilledLoadsNeverLoadTwiceNorSkip) {
  resources("  events: {from: files, path: landing/events/*.csv, incremental: {cursor: id}}\n");
  constexpr int kRows = 60000;
  write_csv("landing/events/f0.csv", 1, kRows, 0);
  ProcessResult r = run_pond({"ingest"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto full = r.elapsed;
  int killed = 0;
  constexpr int kRounds = 5;
  for (int round = 1; round <= kRounds; ++round) {
    // The file grows (an append-only log written again whole): its old rows are at or below
    // the cursor, the new ones past it.
    write_csv("landing/events/f0.csv", 1, (round + 1) * kRows, round);
    ProcessOptions kill;
    kill.signal = 9;
    kill.signal_after = full * (round + 1) / (kRounds + 2);
    r = run_pond({"ingest"}, root_, kill);
    killed += r.exit_code == 128 + 9;
    EXPECT_EQ(rows("select count(*) = count(distinct id), count(*) = max(id) from raw.events"), "true,true");
    EXPECT_EQ(rows("select (select max(id) from raw.events)::varchar = (select cursor_value from "
                   "raw._pond_load_cursors order by loaded_at desc limit 1)"),
              "true");
  }
  r = run_pond({"ingest"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), count(distinct id), min(id), max(id) from raw.events"),
            std::to_string((kRounds + 1) * kRows) + "," + std::to_string((kRounds + 1) * kRows) + ",1," +
                std::to_string((kRounds + 1) * kRows));
  EXPECT_GT(killed, 0) << "no load was killed: the test proves nothing";
}

}  // namespace

}  // namespace pond::test
