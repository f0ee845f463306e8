// Nested JSON end to end, as dlt unpacks it: structs into columns `a__b`, lists into child
// tables `<table>__<field>` linked by `_pond_parent_id`/`_pond_root_id`/`_pond_list_idx`, every
// table of a load in one lake commit; merge replaces the child rows of the parents it replaces,
// replace replaces the child tables; max_nesting limits the depth; kill -9 leaves nothing half.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "pond_runner.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;

class IngestNested : public PondTest {
 protected:
  void SetUp() override { root_ = init_lake_project("shop"); }

  void add_resources(const std::string& yaml) {
    std::ifstream in(root_ / "pond.yml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto from = text.find("\ningest:\n");
    ASSERT_NE(from, std::string::npos);
    std::ofstream(root_ / "pond.yml") << text.substr(0, from) << "\ningest:\n" << yaml;
  }

  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }

  ProcessResult pond(const std::vector<std::string>& args) { return run_pond(args, root_); }

  std::string rows(const std::string& sql) {
    ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv", "--limit", "-1"}, root_);
    EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
    auto nl = r.out.find('\n');
    std::string v = nl == std::string::npos ? "" : r.out.substr(nl + 1);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  std::size_t snapshot_count() {
    ProcessResult r = run_pond({"lake", "snapshots", "-o", "csv"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }

  fs::path root_;
};

const char* kFirst =
    R"({"id": 1, "name": "ann", "addr": {"city": "Oslo", "geo": {"lat": 59.9}}, "tags": ["a", "b"], )"
    R"("orders": [{"oid": 10, "items": [{"sku": "s1", "qty": 2}, {"sku": "s2", "qty": 1}]}, {"oid": 11, "items": []}]})"
    "\n"
    R"({"id": 2, "name": "bob", "addr": {"city": "Rome", "geo": {"lat": 41.9}}, "tags": [], )"
    R"("orders": [{"oid": 12, "items": [{"sku": "s3", "qty": 5}]}]})"
    "\n";

// The rows of every table, joined back to the root through the ids.
const char* kOrders =
    "select c.id, o.oid, o._pond_list_idx from raw.customers c join raw.customers__orders o on "
    "o._pond_parent_id = c._pond_id and o._pond_root_id = c._pond_id order by 1, 3";
const char* kItems =
    "select c.id, o.oid, i.sku, i.qty, i._pond_list_idx from raw.customers c join raw.customers__orders o on "
    "o._pond_parent_id = c._pond_id join raw.customers__orders__items i on i._pond_parent_id = o._pond_id "
    "and "
    "i._pond_root_id = c._pond_id order by 1, 2, 5";
const char* kTags =
    "select c.id, t.value, t._pond_list_idx from raw.customers c join raw.customers__tags t on "
    "t._pond_parent_id = c._pond_id order by 1, 3";

TEST_F(IngestNested, ListsBecomeChildTablesInOneCommitAndMergeReplacesTheirRows) {
  add_resources("  customers: {from: files, path: landing/c/*.jsonl, write: merge, primary_key: id}\n");
  fs::create_directories(root_ / "landing/c");
  ASSERT_EQ(pond({"ingest"}).exit_code, 0);  // no file yet: the lake is created, nothing loaded
  write("landing/c/1.jsonl", kFirst);
  std::size_t before = snapshot_count();
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(snapshot_count(), before + 1) << "the root and its child tables: one commit";
  EXPECT_EQ(rows("select string_agg(column_name, ' ') from (describe raw.customers)"),
            "id name addr__city addr__geo__lat _pond_load_id _pond_loaded_at _pond_id");
  EXPECT_EQ(rows("select id, name, addr__city, addr__geo__lat from raw.customers order by id"),
            "1,ann,Oslo,59.9\n2,bob,Rome,41.9");
  EXPECT_EQ(rows(kTags), "1,a,0\n1,b,1");
  EXPECT_EQ(rows(kOrders), "1,10,0\n1,11,1\n2,12,0");
  EXPECT_EQ(rows(kItems), "1,10,s1,2,0\n1,10,s2,1,1\n2,12,s3,5,0");
  EXPECT_EQ(rows("select string_agg(column_name, ' ') from (describe raw.customers__orders__items)"),
            "sku qty _pond_parent_id _pond_root_id _pond_list_idx _pond_id _pond_load_id _pond_loaded_at");
  // Every row of every table carries the load's id, the one _pond_loads records.
  EXPECT_EQ(
      rows("select count(distinct x) from (select _pond_load_id x from raw.customers union all select "
           "_pond_load_id from raw.customers__orders union all select _pond_load_id from "
           "raw.customers__orders__items union all select _pond_load_id from raw.customers__tags union all "
           "select load_id from raw._pond_loads)"),
      "1");

  // An incremental merge: customer 2 comes again (its old orders, items and tags go), 3 is new.
  write("landing/c/2.jsonl",
        R"({"id": 2, "name": "bobby", "addr": {"city": "Rome", "geo": {"lat": 41.9}}, "tags": ["x"], )"
        R"("orders": [{"oid": 13, "items": [{"sku": "s9", "qty": 1}]}]})"
        "\n"
        R"({"id": 3, "name": "cy", "addr": null, "tags": ["y", "z"], "orders": []})"
        "\n");
  before = snapshot_count();
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(snapshot_count(), before + 1);
  EXPECT_EQ(rows("select id, name, coalesce(addr__city, '-') from raw.customers order by id"),
            "1,ann,Oslo\n2,bobby,Rome\n3,cy,-");
  EXPECT_EQ(rows(kTags), "1,a,0\n1,b,1\n2,x,0\n3,y,0\n3,z,1");
  EXPECT_EQ(rows(kOrders), "1,10,0\n1,11,1\n2,13,0");
  EXPECT_EQ(rows(kItems), "1,10,s1,2,0\n1,10,s2,1,1\n2,13,s9,1,0");
  // No orphan is left behind: every child row's root is a row of the root table.
  EXPECT_EQ(rows("select count(*) from (select _pond_root_id from raw.customers__orders union all select "
                 "_pond_root_id from raw.customers__orders__items union all select _pond_root_id from "
                 "raw.customers__tags) where _pond_root_id not in (select _pond_id from raw.customers)"),
            "0");

  // Nothing new: no commit.
  before = snapshot_count();
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(snapshot_count(), before);
}

TEST_F(IngestNested, ReplaceReplacesChildTablesAndAppendAddsToThem) {
  add_resources(
      "  snap: {from: files, path: landing/s/now.json, write: replace}\n"
      "  events: {from: files, path: landing/e/*.jsonl}\n");
  write("landing/s/now.json", R"([{"k": 1, "vals": [1, 2, 3]}, {"k": 2, "vals": [4]}])");
  write("landing/e/1.jsonl", R"({"e": 1, "kv": [{"k": "a", "v": 1}]})"
                             "\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      rows("select s.k, v.value from raw.snap s join raw.snap__vals v on v._pond_parent_id = s._pond_id "
           "order by 1, v._pond_list_idx"),
      "1,1\n1,2\n1,3\n2,4");
  // The file now holds no lists at all: the child table is emptied with its parent, in one commit.
  write("landing/s/now.json", R"([{"k": 5, "vals": []}])");
  write("landing/e/2.jsonl", R"({"e": 2, "kv": [{"k": "b", "v": 2}, {"k": "c", "v": 3}]})"
                             "\n");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select k from raw.snap"), "5");
  EXPECT_EQ(rows("select count(*) from raw.snap__vals"), "0");
  EXPECT_EQ(rows("select e.e, kv.k, kv.v from raw.events e join raw.events__kv kv on kv._pond_parent_id = "
                 "e._pond_id order by 1, kv._pond_list_idx"),
            "1,a,1\n2,b,2\n2,c,3");
}

// scd2: a changed list is a new version with its own children; the retired version keeps its.
TEST_F(IngestNested, Scd2VersionsKeepTheirOwnChildRows) {
  add_resources(
      "  dim: {from: files, path: landing/d/c.jsonl, write: scd2, primary_key: id, incremental: none}\n");
  write("landing/d/c.jsonl", "{\"id\": 1, \"tags\": [\"x\"]}\n{\"id\": 2, \"tags\": [\"y\", \"z\"]}\n");
  ASSERT_EQ(pond({"ingest"}).exit_code, 0);
  write("landing/d/c.jsonl", "{\"id\": 1, \"tags\": [\"x\"]}\n{\"id\": 2, \"tags\": [\"y\"]}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select d.id, d._pond_valid_to is null, t.value from raw.dim d join raw.dim__tags t on "
                 "t._pond_parent_id = d._pond_id order by 1, d._pond_valid_from, t._pond_list_idx"),
            "1,true,x\n2,false,y\n2,false,z\n2,true,y");
}

TEST_F(IngestNested, MaxNestingKeepsDeeperValuesAsTheyAre) {
  add_resources(
      "  flat: {from: files, path: landing/a/*.jsonl, max_nesting: 0}\n"
      "  one: {from: files, path: landing/b/*.jsonl, max_nesting: 1}\n");
  std::string line = std::string(kFirst).substr(0, std::string(kFirst).find('\n') + 1);
  write("landing/a/1.jsonl", line);
  write("landing/b/1.jsonl", line);
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // 0: today's columns, structs and lists as they are, no _pond_id, no child table.
  EXPECT_EQ(rows("select string_agg(column_name, ' ') from (describe raw.flat)"),
            "id name addr tags orders _pond_load_id _pond_loaded_at");
  EXPECT_EQ(rows("select addr.geo.lat, orders[1].items[2].sku from raw.flat"), "59.9,s2");
  EXPECT_EQ(rows("select count(*) from information_schema.tables where table_name like 'flat__%'"), "0");
  // 1: one level: addr's fields are columns (geo stays a struct), orders a child table whose
  // items stay a list.
  EXPECT_EQ(rows("select string_agg(column_name, ' ') from (describe raw.one)"),
            "id name addr__city addr__geo _pond_load_id _pond_loaded_at _pond_id");
  EXPECT_EQ(rows("select oid, len(items), items[1].sku from raw.one__orders order by _pond_list_idx"),
            "10,2,s1\n11,0,");
  EXPECT_EQ(rows("select count(*) from information_schema.tables where table_name = 'one__orders__items'"),
            "0");

  add_resources(
      "  flat: {from: files, path: landing/a/*.jsonl}\n  flat_x: {from: files, path: landing/x/*.jsonl, "
      "table: "
      "flat__x}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "a table named <table>__... is a child table of <table>")) << r.err;
  add_resources("  flat: {from: files, path: landing/a/*.csv, max_nesting: 2}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "'max_nesting:' belongs to JSON records")) << r.err;
}

// kill -9 at any moment of a nested load: the root and its child tables are all there or none.
TEST_F(IngestNested, KilledLoadsLeaveNoHalfOfAnyTable) {
  add_resources("  customers: {from: files, path: landing/c/*.jsonl, on_bad_record: quarantine}\n");
  auto file = [&](int round, int n) {
    std::string text =
        "{\"id\": \"broken\n";  // each file's one bad record, quarantined with the others' load
    for (int i = 0; i < n; ++i) {
      int id = round * n + i;
      text +=
          "{\"id\": " + std::to_string(id) + ", \"round\": " + std::to_string(round) +
          ", \"tags\": [\"t1\", \"t2\", \"t3\"], \"orders\": [{\"oid\": 1, \"items\": [{\"q\": 1}, {\"q\": "
          "2}]}, {\"oid\": 2, \"items\": []}]}\n";
    }
    write("landing/c/f" + std::to_string(round) + ".jsonl", text);
  };
  constexpr int kRows = 40000;
  file(0, kRows);
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto full = r.elapsed;
  int killed = 0;
  constexpr int kRounds = 5;
  for (int round = 1; round <= kRounds; ++round) {
    file(round, kRows);
    ProcessOptions kill;
    kill.signal = 9;
    kill.signal_after = full * round / (kRounds + 1);
    r = run_pond({"ingest"}, root_, kill);
    killed += r.exit_code == 128 + 9;
    EXPECT_EQ(
        rows(
            "select (select count(*) from raw.customers) * 3 = (select count(*) from raw.customers__tags), "
            "(select count(*) from raw.customers) * 2 = (select count(*) from raw.customers__orders), "
            "(select count(*) from raw.customers) * 2 = (select count(*) from raw.customers__orders__items), "
            "(select count(*) from raw.customers) = (select count(distinct round) from raw.customers) * " +
            std::to_string(kRows) +
            ", (select count(*) from raw.customers__rejected) = (select count(distinct round) from "
            "raw.customers)"),
        "true,true,true,true,true");
  }
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), count(distinct id) from raw.customers"),
            std::to_string((kRounds + 1) * kRows) + "," + std::to_string((kRounds + 1) * kRows));
  EXPECT_EQ(rows("select count(*) from raw.customers__orders__items"),
            std::to_string((kRounds + 1) * kRows * 2));
  EXPECT_GT(killed, 0) << "no load was killed: the test proves nothing";
}

// on_bad_record: quarantine: each bad record, raw, with its file, line and error into
// <table>__rejected in the load's commit; the good ones load; the counts in _pond_loads and the
// step's output. `fail` (the default) still fails the load and changes nothing.
TEST_F(IngestNested, BadRecordsAreQuarantinedWithTheirFileLineAndError) {
  add_resources(
      "  orders: {from: files, path: landing/o/*.csv, on_bad_record: quarantine, columns: {amount: DOUBLE}}\n"
      "  events: {from: files, path: landing/e/*.jsonl, on_bad_record: quarantine, columns: {n: INTEGER}}\n"
      "  strict: {from: files, path: landing/s/*.jsonl}\n");
  write("landing/o/a.csv", "id,name,amount\n1,a,1.5\n2,b\n3,c,x\n5,e,5\n6,\"f,g\",6,7\n");
  write("landing/o/b.csv", "id,name,amount\n7,z,1\n8,y,2,3\n");
  write("landing/e/a.jsonl",
        "{\"id\": 1, \"n\": 5, \"tags\": [\"a\"]}\n{\"id\": 2,\n\n{\"id\": 3, \"n\": \"x\"}\n[1]\n"
        "{\"id\": 4, \"n\": 7, \"tags\": []}\n");
  write("landing/s/a.jsonl", "{\"id\": 1}\n{\"id\": 2,\n");
  fs::create_directories(root_ / "landing/c");
  ProcessResult r = pond({"ingest", "-s", "orders", "-s", "events"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.out + r.err, "3 rows from 2 file(s) into raw.orders (4 rejected into raw.orders__rejected)"))
      << r.out;
  EXPECT_EQ(rows("select id, name, amount from raw.orders order by id"), "1,a,1.5\n5,e,5.0\n7,z,1.0");
  EXPECT_EQ(
      rows("select source, line, record, error from raw.orders__rejected order by source, line"),
      "landing/o/a.csv,3,\"2,b\",Expected Number of Columns: 3 Found: 2\n"
      "landing/o/a.csv,4,\"3,c,x\",\"Error when converting column \"\"amount\"\". Could not convert string "
      "\"\"x\"\" to 'DOUBLE'\"\n"
      "landing/o/a.csv,6,\"6,\"\"f,g\"\",6,7\",Expected Number of Columns: 3 Found: 4\n"
      "landing/o/b.csv,3,\"8,y,2,3\",Expected Number of Columns: 3 Found: 4");
  EXPECT_EQ(rows("select id, n from raw.events order by id"), "1,5\n4,7");
  EXPECT_EQ(
      rows("select source, line, record, error from raw.events__rejected order by line"),
      "landing/e/a.jsonl,2,\"{\"\"id\"\": 2,\",not valid JSON\n"
      "landing/e/a.jsonl,4,\"{\"\"id\"\": 3, \"\"n\"\": \"\"x\"\"}\",column 'n': the value x is not INTEGER\n"
      "landing/e/a.jsonl,5,[1],not a JSON object but array");
  EXPECT_EQ(
      rows("select t.value from raw.events e join raw.events__tags t on t._pond_parent_id = e._pond_id"),
      "a");
  // The rejected rows are of the load that read them, recorded with its counts.
  EXPECT_EQ(
      rows(
          "select l.resource, l.rows, l.rows_rejected, count(*) from raw._pond_loads l join (select "
          "_pond_load_id from raw.orders__rejected union all select _pond_load_id from raw.events__rejected) "
          "x on x._pond_load_id = l.load_id group by all order by 1"),
      "events,2,3,3\norders,3,4,4");
  // A file loaded with its bad lines set apart is loaded: the next load brings nothing again.
  r = pond({"ingest", "-s", "orders", "-s", "events"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*) from raw.orders__rejected"), "4");

  // fail (the default): the file and line, exit 1, nothing written.
  r = pond({"ingest", "-s", "strict"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "ingest resource 'strict': landing/s/a.jsonl:")) << r.out << r.err;
  EXPECT_EQ(rows("select count(*) from information_schema.tables where table_name like 'strict%'"), "0");

  add_resources("  p: {from: files, path: landing/p/*.parquet, on_bad_record: quarantine}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "'on_bad_record: quarantine' takes records one per line")) << r.err;
}

// What a contract discards is counted: in _pond_loads, the step's metadata and the output.
TEST_F(IngestNested, ContractDiscardsAreCounted) {
  add_resources(
      "  vals: {from: files, path: landing/v/*.csv, contract: discard_value}\n"
      "  rows_: {from: files, path: landing/r/*.csv, contract: discard_row}\n");
  for (const char* d : {"v", "r"}) write(std::string("landing/") + d + "/1.csv", "id,n\n1,10\n2,20\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* d : {"v", "r"})
    write(std::string("landing/") + d + "/2.csv", "id,n,extra\n3,x,e3\n4,40,\n5,y,e5\n");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // discard_value: 'x' and 'y' (not BIGINT) and the two values of the new column extra.
  EXPECT_TRUE(contains(r.out + r.err, "into raw.vals (the contract discarded 0 rows, 4 values)")) << r.out;
  EXPECT_TRUE(contains(r.out + r.err, "into raw.rows_ (the contract discarded 2 rows, 0 values)")) << r.out;
  EXPECT_EQ(rows("select resource, rows, rows_discarded, values_discarded from raw._pond_loads order by "
                 "rows_discarded + values_discarded > 0, resource"),
            "rows_,2,0,0\nvals,2,0,0\nrows_,1,2,0\nvals,3,0,4");
}

}  // namespace

}  // namespace pond::test
