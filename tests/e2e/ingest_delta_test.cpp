// `from: delta` end to end: Delta tables written by Spark and delta-rs (../shared/fixtures/delta)
// loaded by `pond ingest` into the lake with their exact contents (the expected rows are the
// data files read directly with DuckDB, or delta-rs's own assertions), past versions, deletion
// vectors, column mapping, partition values, incremental loads by version that a kill -9 never
// doubles, and refusals that leave the lake unchanged.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "pond_runner.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;

fs::path delta_fixture(const std::string& table) {
  for (const char* up : {"../shared", "../../shared"}) {
    fs::path p = fs::path(POND_SOURCE_DIR) / up / "fixtures/delta" / table;
    if (fs::exists(p / "_delta_log")) return fs::canonical(p);
  }
  ADD_FAILURE() << "Delta fixture " << table << " not found beside the repository (../shared/fixtures/delta)";
  return {};
}

class IngestDelta : public PondTest {
 protected:
  void SetUp() override { root_ = init_lake_project("shop"); }

  void add_resources(const std::string& yaml) {
    std::string text = read(root_ / "pond.yml");
    auto from = text.find("\ningest:\n");
    ASSERT_NE(from, std::string::npos);
    text = text.substr(0, from) + "\ningest:\n" + yaml;
    std::ofstream(root_ / "pond.yml") << text;
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // A writable copy of a fixture in the project; `commits`: only the log's first ones.
  fs::path copy_table(const std::string& table, const std::string& to, int commits = -1) {
    fs::path dest = root_ / to;
    fs::copy(delta_fixture(table), dest, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(dest))
      fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    fs::permissions(dest, fs::perms::owner_write, fs::perm_options::add);
    if (commits >= 0) {
      for (int v = commits; fs::exists(commit_file(dest, v)); ++v) fs::remove(commit_file(dest, v));
      for (const auto& e : fs::directory_iterator(dest / "_delta_log"))
        if (e.path().filename().string().find("checkpoint") != std::string::npos) fs::remove(e.path());
    }
    return dest;
  }

  static fs::path commit_file(const fs::path& table, int version) {
    std::string n = std::to_string(version);
    return table / "_delta_log" / (std::string(20 - n.size(), '0') + n + ".json");
  }

  // The paths a commit adds (read from its JSON here, not by pond).
  static std::vector<std::string> added(const fs::path& table, int version) {
    std::ifstream in(commit_file(table, version));
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      if (j.contains("add")) out.push_back((table / j["add"]["path"].get<std::string>()).string());
    }
    return out;
  }

  static std::string parquet_list(const std::vector<std::string>& files) {
    std::string out;
    for (const auto& f : files) out += (out.empty() ? "'" : ", '") + f + "'";
    return "[" + out + "]";
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

  std::string snapshots() {
    ProcessResult r = pond({"lake", "snapshots", "-o", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  fs::path root_;
};

TEST_F(IngestDelta, FixtureTablesWithTheirExactContents) {
  fs::path f = delta_fixture("simple_table").parent_path();
  add_resources("  simple: {from: delta, path: " + (f / "simple_table").string() +
                "}\n"
                "  types: {from: delta, path: " +
                (f / "delta-2.2.0-partitioned-types").string() +
                "}\n"
                "  nulls: {from: delta, path: " +
                (f / "delta-0.8.0-null-partition").string() +
                "}\n"
                "  mapped: {from: delta, path: " +
                (f / "table_with_column_mapping").string() +
                "}\n"
                "  v2: {from: delta, path: " +
                (f / "checkpoint-v2-table").string() +
                "}\n"
                "  checkpointed: {from: delta, path: " +
                (f / "simple_table_with_checkpoint").string() +
                "}\n"
                "  stamps: {from: delta, path: " +
                (f / "table_with_edge_timestamps").string() +
                "}\n"
                "  arrays: {from: delta, path: " +
                (f / "golden/data-reader-array-primitives").string() + "}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // delta-rs: test_read_simple_table_to_dict.
  EXPECT_EQ(rows("select id from raw.simple order by id"), "5\n7\n9");
  // Partition values typed from the schema (c1 INTEGER), next to the files' own column.
  EXPECT_EQ(rows("select c1, c2, c3, typeof(c1) from raw.types order by c1"),
            "4,c,5,INTEGER\n5,b,6,INTEGER\n6,a,4,INTEGER");
  EXPECT_EQ(rows("select coalesce(k, 'NULL'), v from raw.nulls order by v"), "A,1\nNULL,2");
  // Column mapping by name: logical names out, the partition value by its physical name.
  EXPECT_EQ(rows("select \"Company Very Short\", \"Super Name\" from raw.mapped order by all"),
            "BME,Timothy Lamb\nBMS,Anthony Johnson\nBMS,Mr. Daniel Ferguson MD\nBMS,Nathan Bennett\nBMS,"
            "Stephanie Mcgrath");
  // v2 checkpoint (7 files in its sidecar) + commit 9: every file of the folder is live.
  fs::path v2 = f / "checkpoint-v2-table";
  EXPECT_EQ(rows("select count(*) from raw.v2"), "44");
  EXPECT_EQ(rows("select count(*) from (select id, name, created_at from raw.v2 except select id, name, "
                 "created_at from read_parquet('" +
                 (v2 / "*.parquet").string() + "'))"),
            "0");
  // Classic checkpoint at 10: the eleven appended files.
  EXPECT_EQ(
      rows("select count(*) from (select * exclude (_pond_load_id, _pond_loaded_at) from raw.checkpointed "
           "except all select * from read_parquet('" +
           (f / "simple_table_with_checkpoint/*.parquet").string() + "'))"),
      "0");
  EXPECT_EQ(rows("select count(*) from raw.checkpointed"),
            rows("select count(*) from read_parquet('" +
                 (f / "simple_table_with_checkpoint/*.parquet").string() + "')"));
  // INT96 timestamps at the edge of the range, as UTC instants.
  EXPECT_EQ(
      rows("select BIG_DATE, NORMAL_DATE, SOME_VALUE from raw.stamps order by SOME_VALUE"),
      "9999-12-31 00:00:00+00,2022-01-01 00:00:00+00,1\n9999-12-30 00:00:00+00,2022-02-01 00:00:00+00,2");
  EXPECT_EQ(
      rows("select count(*), typeof(any_value(as_array_int)), typeof(any_value(as_array_big_decimal)) from "
           "raw.arrays"),
      "10,INTEGER[],\"DECIMAL(1,0)[]\"");
  EXPECT_EQ(
      rows("select as_array_string[1], as_array_long[1] from raw.arrays order by as_array_int[1] limit 2"),
      "0,0\n1,1");
  // The version loaded is recorded with the rows; the same version is not loaded again.
  EXPECT_EQ(
      rows("select cursor_path like 'delta:%', cursor_value from raw._pond_load_cursors where resource = "
           "'simple'"),
      "true,4");
  std::string before = snapshots();
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
  EXPECT_NE((r.out + r.err).find("Delta version 4 of " + (f / "simple_table").string() + " loaded before"),
            std::string::npos)
      << r.out << r.err;
}

TEST_F(IngestDelta, DeletionVectorsAndPastVersions) {
  fs::path f = delta_fixture("simple_table").parent_path();
  add_resources("  with_dv: {from: delta, path: " + (f / "table-with-dv-small").string() +
                "}\n"
                "  with_dv_v0: {from: delta, path: " +
                (f / "table-with-dv-small").string() +
                ", version: 0}\n"
                "  without_dv: {from: delta, path: " +
                (f / "table-without-dv-small").string() +
                "}\n"
                "  simple_v0: {from: delta, path: " +
                (f / "simple_table").string() + ", version: 0}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Version 0 of the table with deletion vectors is the table without; version 1 deleted 0 and 9.
  EXPECT_EQ(rows("select string_agg(value::varchar, ' ' order by value) from raw.without_dv"),
            "0 1 2 3 4 5 6 7 8 9");
  EXPECT_EQ(rows("select count(*) from (select value from raw.with_dv_v0 except all select value from "
                 "raw.without_dv)"),
            "0");
  EXPECT_EQ(rows("select count(*) from raw.with_dv_v0"), "10");
  EXPECT_EQ(rows("select string_agg(value::varchar, ' ' order by value) from raw.with_dv"),
            "1 2 3 4 5 6 7 8");
  // simple_table at version 0: the six files commit 0 adds.
  std::vector<std::string> v0 = added(f / "simple_table", 0);
  ASSERT_EQ(v0.size(), 6u);
  EXPECT_EQ(
      rows("select string_agg(id::varchar, ' ' order by id) from raw.simple_v0"),
      rows("select string_agg(id::varchar, ' ' order by id) from read_parquet(" + parquet_list(v0) + ")"));
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.simple_v0"), "0 1 2 3 4");
}

// simple_table_with_checkpoint: eleven commits that each append one file (a checkpoint at 10).
TEST_F(IngestDelta, AppendLoadsTheFilesOfNewVersionsReplaceTheTable) {
  fs::path t = copy_table("simple_table_with_checkpoint", "landing/appends", 1);  // commit 0 only
  fs::path fixture = delta_fixture("simple_table_with_checkpoint");
  add_resources(
      "  appended: {from: delta, path: landing/appends, write: append}\n"
      "  current: {from: delta, path: landing/appends}\n");
  std::vector<std::string> files;
  auto expected = [&] {
    return rows("select string_agg(version::varchar, ' ' order by version) from read_parquet(" +
                parquet_list(files) + ")");
  };
  for (int upto : {0, 3, 10}) {
    for (int v = 0; v <= upto; ++v) {
      if (!fs::exists(commit_file(t, v))) fs::copy_file(commit_file(fixture, v), commit_file(t, v));
      for (const auto& p : added(t, v))
        if (std::find(files.begin(), files.end(), p) == files.end()) files.push_back(p);
    }
    if (upto == 10)  // the last load starts from the checkpoint
      fs::copy_file(fixture / "_delta_log/00000000000000000010.checkpoint.parquet",
                    t / "_delta_log/00000000000000000010.checkpoint.parquet");
    ProcessResult r = pond({"ingest"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(rows("select string_agg(version::varchar, ' ' order by version) from raw.appended"), expected())
        << upto;
    EXPECT_EQ(rows("select string_agg(version::varchar, ' ' order by version) from raw.current"), expected())
        << upto;
  }
  EXPECT_EQ(files.size(), 11u);
  EXPECT_EQ(rows("select string_agg(cursor_value, ' ' order by loaded_at) from raw._pond_load_cursors where "
                 "resource = 'appended'"),
            "0 3 10");
  EXPECT_EQ(rows("select string_agg(rows::varchar, ' ' order by loaded_at) from raw._pond_loads where "
                 "resource = 'appended'"),
            "1 3 7");
  // A version older than the last loaded one cannot be appended.
  add_resources("  appended: {from: delta, path: landing/appends, write: append, version: 2}\n");
  ProcessResult r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err)
                .find("version 2 of the Delta table landing/appends is older than version 10 loaded before"),
            std::string::npos)
      << r.out << r.err;
}

TEST_F(IngestDelta, AppendRefusesCommitsThatRewriteRowsMergeUpserts) {
  fs::path t = copy_table("simple_table", "landing/simple", 1);  // commit 0 only
  fs::path fixture = delta_fixture("simple_table");
  add_resources(
      "  appended: {from: delta, path: landing/simple, write: append}\n"
      "  merged: {from: delta, path: landing/simple, write: merge, primary_key: id}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.appended"), "0 1 2 3 4");
  // Commit 1 overwrites the table (removes with dataChange).
  fs::copy_file(commit_file(fixture, 1), commit_file(t, 1));
  std::string before = snapshots();
  r = pond({"ingest", "-s", "appended"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      (r.out + r.err)
          .find("ingest resource 'appended': commit 1 of the Delta table landing/simple deletes or rewrites "
                "rows loaded before"),
      std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
  // merge upserts the rows of commit 1's files by id (deleted rows stay).
  r = pond({"ingest", "-s", "merged"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> files = added(t, 0);
  for (const auto& p : added(t, 1)) files.push_back(p);
  EXPECT_EQ(
      rows("select string_agg(id::varchar, ' ' order by id) from raw.merged"),
      rows("select string_agg(id::varchar, ' ' order by id) from (select distinct id from read_parquet(" +
           parquet_list(files) + "))"));
  EXPECT_EQ(rows("select count(*) - count(distinct id) from raw.merged"), "0");
}

TEST_F(IngestDelta, KilledLoadsNeverLoadTwiceNorSkip) {
  fs::path t = copy_table("simple_table_with_checkpoint", "landing/appends", 1);
  fs::path fixture = delta_fixture("simple_table_with_checkpoint");
  add_resources("  appended: {from: delta, path: landing/appends, write: append}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto full = r.elapsed;
  // The files loaded once a version is: the adds of the commits up to it.
  std::vector<std::vector<std::string>> upto{added(t, 0)};
  auto versions = [&](const std::vector<std::string>& files) {
    return rows("select string_agg(version::varchar, ' ' order by version) from read_parquet(" +
                parquet_list(files) + ")");
  };
  int killed = 0;
  constexpr int kRounds = 8;
  for (int v = 1; v <= kRounds; ++v) {
    fs::copy_file(commit_file(fixture, v), commit_file(t, v));
    upto.push_back(upto.back());
    for (const auto& p : added(t, v)) upto[v].push_back(p);
    ProcessOptions kill;
    kill.signal = 9;
    kill.signal_after = full * v / (kRounds + 1);
    r = run_pond({"ingest"}, root_, kill);
    killed += r.exit_code == 128 + 9;
    // Rows and the version recorded move together: the rows are exactly those of the
    // commits up to the last version recorded, whatever the moment of the kill.
    int last = std::stoi(rows("select max(cursor_value::int) from raw._pond_load_cursors"));
    EXPECT_EQ(rows("select string_agg(version::varchar, ' ' order by version) from raw.appended"),
              versions(upto.at(last)))
        << v;
  }
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select string_agg(version::varchar, ' ' order by version) from raw.appended"),
            versions(upto[kRounds]));
  EXPECT_EQ(rows("select max(cursor_value::int) from raw._pond_load_cursors"), std::to_string(kRounds));
  EXPECT_GT(killed, 0) << "no load was killed: the test proves nothing";
}

TEST_F(IngestDelta, RefusalsAndErrorsLeaveTheLakeUnchanged) {
  fs::path feature = copy_table("table-with-dv-small", "landing/feature");
  std::string commit = read(commit_file(feature, 0));
  std::string from = "\"readerFeatures\":[\"deletionVectors\"]";
  commit.replace(commit.find(from), from.size(), "\"readerFeatures\":[\"deletionVectors\",\"variantType\"]");
  std::ofstream(commit_file(feature, 0)) << commit;
  fs::path missing = copy_table("delta-0.8.0-null-partition", "landing/missing");
  fs::remove_all(missing / "k=A");
  fs::create_directories(root_ / "landing/plain");
  add_resources(
      "  feature: {from: delta, path: landing/feature}\n"
      "  missing: {from: delta, path: landing/missing}\n"
      "  plain: {from: delta, path: landing/plain}\n"
      "  ok: {from: delta, path: " +
      delta_fixture("table-without-dv-small").string() + "}\n");
  ProcessResult ok = pond({"ingest", "-s", "ok"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  std::string before = snapshots();
  ProcessResult r = pond({"ingest", "-s", "feature"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err)
                .find("ingest resource 'feature': Delta table " + (root_ / "landing/feature").string() +
                      " (version 1): the reader feature 'variantType' is not supported"),
            std::string::npos)
      << r.out << r.err;
  r = pond({"ingest", "-s", "missing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("the data file " + (root_ / "landing/missing/k=A").string()),
            std::string::npos)
      << r.out << r.err;
  r = pond({"ingest", "-s", "plain"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("not a Delta table: no _delta_log/ folder"), std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(snapshots(), before);

  // pond.yml: what a Delta resource cannot have.
  add_resources("  feature: {from: delta, path: landing/feature, columns: {value: BIGINT}}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("a Delta table's types come from its schema"), std::string::npos)
      << r.out << r.err;
  add_resources("  feature: {from: delta, path: landing/feature, version: -1}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  add_resources("  feature: {from: delta, path: landing/feature, write: merge}\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("write: merge needs 'primary_key:'"), std::string::npos) << r.out << r.err;
}

// A dbt source read with delta_scan('PATH'), as dbt-duckdb projects write it for DuckDB's delta
// extension: the run reads the Delta table through pond's reader (deletion vectors applied); a
// lake view over it is refused (it would fail outside the run); a table that cannot be read
// fails only the model that reads it, with the reason.
TEST_F(IngestDelta, ADeltaTableIsADbtSourceThroughDeltaScan) {
  std::ofstream(root_ / "models" / "delta_sources.yml")
      << "version: 2\nsources:\n  - name: lakehouse\n    tables:\n      - name: events\n        meta:\n"
         "          external_location: \"delta_scan('"
      << delta_fixture("table-with-dv-small").string()
      << "')\"\n      - name: gone\n        config:\n          external_location: "
         "\"delta_scan('no/such/table')\"\n";
  std::ofstream(root_ / "models" / "from_delta.sql")
      << "{{ config(materialized='table') }}\nselect string_agg(value::varchar, ' ' order by value) as vals "
         "from {{ source('lakehouse', 'events') }}\n";
  std::ofstream(root_ / "models" / "delta_view.sql")
      << "{{ config(materialized='view') }}\nselect * from {{ source('lakehouse', 'events') }}\n";
  std::ofstream(root_ / "models" / "from_gone.sql")
      << "{{ config(materialized='table') }}\nselect * from {{ source('lakehouse', 'gone') }}\n";
  ProcessResult r = pond({"run", "-s", "from_delta"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Version 1 of the table deleted the rows 0 and 9 with a deletion vector.
  EXPECT_EQ(rows("select vals from main.from_delta"), "1 2 3 4 5 6 7 8");
  r = pond({"run", "-s", "delta_view"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("reads a Delta source (delta_scan)"), std::string::npos) << r.out << r.err;
  r = pond({"run", "-s", "from_gone"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("no/such/table"), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("no such folder"), std::string::npos) << r.out << r.err;
}

}  // namespace

}  // namespace pond::test
