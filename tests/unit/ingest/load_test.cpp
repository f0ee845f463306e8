// The loader against a real lake in a temporary folder: exactly-once by file, dispositions,
// the bookkeeping committed with the rows, and errors that leave the lake as it was.
#include "ingest/load.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "lake/lake.hpp"
#include "support/temp_dir.hpp"

namespace pond::ingest {

namespace {

namespace fs = std::filesystem;

class Load : public ::testing::Test {
 protected:
  Load() : db_(engine::Database::open(":memory:")), con_(db_) {
    lake::LakeConfig c;
    c.catalog = "sqlite:lake.sqlite";
    c.data_path = "lake/";
    c.base_dir = dir_.path();
    lake_.emplace(lake::Lake::open(c));
    fs::create_directories(dir_ / "in");
  }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }

  ResourceConfig resource(const std::string& path, WriteDisposition w = WriteDisposition::kAppend) {
    ResourceConfig r;
    r.name = "things";
    r.table = "things";
    r.path = path;
    r.write = w;
    if (w == WriteDisposition::kMerge) r.primary_key = {"id"};
    if (w == WriteDisposition::kReplace) r.incremental = Incremental::kNone;
    return r;
  }

  LoadResult load(const ResourceConfig& r) {
    return load_resource(*lake_, con_, r, {dir_.path(), "run-1", ""});
  }

  std::string scalar(const std::string& table, const std::string& expr) {
    lake::ScanPlan plan = lake_->scan(table);
    auto rows = con_.query("SELECT (" + expr + ")::VARCHAR FROM (" + plan.sql + ") AS t").rows_as_text();
    return rows.empty() || rows[0].empty() ? "<none>" : rows[0][0].value_or("NULL");
  }

  std::string load_error(const ResourceConfig& r) {
    try {
      load(r);
    } catch (const UserError& e) {
      EXPECT_EQ(e.exit_code(), ExitCode::kStepFailed);
      return e.what();
    }
    return "(no error)";
  }

  test::TempDir dir_;
  engine::Database db_;
  engine::Connection con_;
  std::optional<lake::Lake> lake_;
};

TEST_F(Load, EachFileOnceAndStateInTheSameCommit) {
  write("in/a.csv", "id,v\n1,x\n2,y\n");
  LoadResult first = load(resource("in/*.csv"));
  EXPECT_EQ(first.rows, 2);
  ASSERT_TRUE(first.snapshot);
  EXPECT_EQ(first.files, std::vector<std::string>{"in/a.csv"});
  // The data and both bookkeeping tables changed in one snapshot.
  std::string changes = lake_->latest_snapshot().changes;
  EXPECT_NE(changes.find("\"raw\".\"things\""), std::string::npos) << changes;
  EXPECT_NE(changes.find("\"raw\".\"_pond_loads\""), std::string::npos) << changes;
  EXPECT_NE(changes.find("\"raw\".\"_pond_load_files\""), std::string::npos) << changes;
  EXPECT_EQ(scalar("raw._pond_loads", "string_agg(rows::VARCHAR || '/' || files::VARCHAR, ' ')"), "2/1");

  LoadResult again = load(resource("in/*.csv"));
  EXPECT_TRUE(again.load_id.empty());
  EXPECT_FALSE(again.snapshot);
  EXPECT_EQ(again.files_seen, 1);

  write("in/b.csv", "id,v\n3,z\n");
  LoadResult second = load(resource("in/*.csv"));
  EXPECT_EQ(second.rows, 1);
  EXPECT_EQ(scalar("raw.things", "string_agg(id::VARCHAR, ',' ORDER BY id)"), "1,2,3");
  EXPECT_EQ(scalar("raw.things", "count(DISTINCT _pond_load_id)"), "2");
}

TEST_F(Load, MergeKeepsTheLastRowOfAKey) {
  write("in/a.csv", "id,v\n1,x\n2,y\n");
  load(resource("in/*.csv", WriteDisposition::kMerge));
  write("in/b.csv", "id,v\n2,y2\n3,z\n3,z2\n");
  LoadResult r = load(resource("in/*.csv", WriteDisposition::kMerge));
  EXPECT_EQ(r.rows, 2);
  EXPECT_EQ(r.rows_replaced, 1);
  EXPECT_EQ(scalar("raw.things", "string_agg(id::VARCHAR || v, ',' ORDER BY id)"), "1x,2y2,3z2");
}

TEST_F(Load, ReplaceHoldsWhatTheFilesHoldNow) {
  write("in/a.csv", "id,v\n1,x\n2,y\n");
  load(resource("in/a.csv", WriteDisposition::kReplace));
  write("in/a.csv", "id,v\n7,q\n");
  LoadResult r = load(resource("in/a.csv", WriteDisposition::kReplace));
  EXPECT_EQ(r.rows_replaced, 2);
  EXPECT_EQ(scalar("raw.things", "string_agg(id::VARCHAR || v, ',')"), "7q");
}

TEST_F(Load, BadFilesFailWithFileAndLineAndChangeNothing) {
  write("in/a.csv", "id,v\n1,x\n");
  load(resource("in/*.csv"));
  std::int64_t before = lake_->latest_snapshot().id;
  write("in/b.csv", "id,v\n2,y\n3\n");
  std::string e = load_error(resource("in/*.csv"));
  EXPECT_NE(e.find("ingest resource 'things': in/b.csv:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("Expected Number of Columns: 2 Found: 1"), std::string::npos) << e;
  EXPECT_EQ(lake_->latest_snapshot().id, before);
  fs::remove(dir_ / "in/b.csv");
  e = load_error(resource("in/nothing.csv"));
  EXPECT_NE(e.find("ingest resource 'things': no file"), std::string::npos) << e;
  EXPECT_EQ(lake_->latest_snapshot().id, before);
}

TEST_F(Load, GlobMatchingNothingLoadsNothing) {
  LoadResult r = load(resource("in/*.csv"));
  EXPECT_EQ(r.files_seen, 0);
  EXPECT_FALSE(r.snapshot);
  EXPECT_EQ(lake_->tables().size(), 0u);
}

}  // namespace

}  // namespace pond::ingest
