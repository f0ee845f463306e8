// The Delta log reader on tables written by Spark and delta-rs (../shared/fixtures/delta):
// replay with removes, classic and v2 checkpoints, past versions, deletion vectors, the
// protocol check, and the errors of a damaged log. Expected file lists are delta-rs's own
// (crates/core/tests) or read from the log's JSON text here.
#include "ingest/delta_log.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "ingest/delta_dv.hpp"
#include "ingest/delta_scan.hpp"
#include "support/temp_dir.hpp"

namespace pond::ingest {

namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& table) {
  for (const char* up : {"../shared", "../../shared"}) {
    fs::path p = fs::path(POND_SOURCE_DIR) / up / "fixtures/delta" / table;
    if (fs::exists(p / "_delta_log")) return fs::canonical(p);
  }
  ADD_FAILURE() << "Delta fixture " << table << " not found beside the repository (../shared/fixtures/delta)";
  return {};
}

// A writable copy of a fixture table (the fixtures are read-only).
fs::path copy_table(const test::TempDir& dir, const std::string& table) {
  fs::path to = dir / table;
  fs::copy(fixture(table), to, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(to))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(to, fs::perms::owner_write, fs::perm_options::add);
  return to;
}

class DeltaLog : public ::testing::Test {
 protected:
  DeltaLog() : db_(engine::Database::open(":memory:")), con_(db_) {}

  DeltaSnapshot read(const fs::path& table, std::optional<std::int64_t> version = std::nullopt) {
    return read_delta_snapshot(con_, table, version, "ingest resource 't'");
  }

  static std::vector<std::string> paths(const DeltaSnapshot& s) {
    std::vector<std::string> out;
    for (const auto& f : s.files) out.push_back(f.path);
    return out;
  }

  std::string error(const std::function<void()>& f) {
    try {
      f();
    } catch (const UserError& e) {
      EXPECT_EQ(e.exit_code(), ExitCode::kStepFailed);
      return e.message() + " | " + e.hint();
    }
    return "(no error)";
  }

  test::TempDir dir_;
  engine::Database db_;
  engine::Connection con_;
};

TEST_F(DeltaLog, ReplaysAddsAndRemovesToTheLatestVersion) {
  DeltaSnapshot s = read(fixture("simple_table"));
  EXPECT_EQ(s.version, 4);
  EXPECT_FALSE(s.checkpoint);
  EXPECT_EQ(s.protocol.min_reader_version, 1);
  EXPECT_EQ(s.protocol.min_writer_version, 2);
  // delta-rs's read_simple_table (crates/core/tests), sorted.
  EXPECT_EQ(paths(s), (std::vector<std::string>{
                          "part-00000-2befed33-c358-4768-a43c-3eda0d2a499d-c000.snappy.parquet",
                          "part-00000-c1777d7d-89d9-4790-b38a-6ee7e24456b1-c000.snappy.parquet",
                          "part-00001-7891c33d-cedc-47c3-88a6-abcfb049d3b4-c000.snappy.parquet",
                          "part-00004-315835fe-fb44-4562-98f6-5e6cfa3ae45d-c000.snappy.parquet",
                          "part-00007-3a0e4727-de0d-41b6-81ef-5223cf40f025-c000.snappy.parquet",
                      }));
  EXPECT_EQ(s.files[0].version, 4);
  EXPECT_EQ(s.files[1].version, 2);
}

TEST_F(DeltaLog, PastVersions) {
  fs::path t = fixture("simple_table");
  // Version 0 is commit 0's six adds; version 1 removes five of them and adds twenty-one.
  EXPECT_EQ(read(t, 0).files.size(), 6u);
  DeltaSnapshot v1 = read(t, 1);
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.files.size(), 22u);
  EXPECT_EQ(v1.files[0].path, "part-00000-a72b1fb3-f2df-41fe-a8f0-e65b746382dd-c000.snappy.parquet");
  EXPECT_EQ(read(t, 3).files.size(), 6u);
  EXPECT_NE(error([&] { read(t, 5); }).find("version 5 does not exist (the latest is 4)"), std::string::npos);
}

TEST_F(DeltaLog, ClassicCheckpointThenCommits) {
  DeltaSnapshot s = read(fixture("simple_table_with_checkpoint"));
  EXPECT_EQ(s.version, 10);
  EXPECT_EQ(s.checkpoint, 10);
  EXPECT_EQ(s.files.size(),
            11u);  // one file per commit, none removed (_last_checkpoint: size 13 with protocol, metaData)
  // Before the checkpoint: the JSON commits alone.
  DeltaSnapshot v9 = read(fixture("simple_table_with_checkpoint"), 9);
  EXPECT_FALSE(v9.checkpoint);
  EXPECT_EQ(v9.files.size(), 10u);

  DeltaSnapshot d = read(fixture("table_with_deletion_logs"));
  EXPECT_EQ(d.version, 20);
  EXPECT_EQ(d.checkpoint, 20);
  ASSERT_EQ(d.files.size(), 1u);  // _last_checkpoint: numOfAddFiles 1
  ASSERT_TRUE(d.files[0].deletion_vector);
}

TEST_F(DeltaLog, MultiPartCheckpoint) {
  // The classic checkpoint at 10 split in two parts, as Spark writes large ones.
  fs::path t = copy_table(dir_, "simple_table_with_checkpoint");
  fs::path log = t / "_delta_log";
  std::string single = (log / "00000000000000000010.checkpoint.parquet").string();
  for (int part : {1, 2})
    con_.execute(
        "COPY (SELECT * EXCLUDE (n) FROM (SELECT *, row_number() OVER () AS n FROM read_parquet('" + single +
        "')) WHERE (n <= 6) = " + (part == 1 ? "true" : "false") + ") TO '" +
        (log / ("00000000000000000010.checkpoint.000000000" + std::to_string(part) + ".0000000002.parquet"))
            .string() +
        "' (FORMAT parquet)");
  fs::remove(single);
  for (int v = 0; v < 10; ++v) fs::remove(log / ("0000000000000000000" + std::to_string(v) + ".json"));
  DeltaSnapshot s = read(t);
  EXPECT_EQ(s.checkpoint, 10);
  EXPECT_EQ(s.files.size(), 11u);
  // A part missing: the checkpoint is incomplete, and without commits 0-9 version 10 cannot be read.
  fs::remove(log / "00000000000000000010.checkpoint.0000000002.0000000002.parquet");
  EXPECT_NE(error([&] { read(t); }).find("commit 0 is gone"), std::string::npos);
}

TEST_F(DeltaLog, V2CheckpointWithSidecars) {
  fs::path t = fixture("checkpoint-v2-table");
  DeltaSnapshot s = read(t);
  EXPECT_EQ(s.version, 9);
  EXPECT_EQ(s.checkpoint, 8);
  ASSERT_TRUE(s.protocol.reader_features);
  EXPECT_EQ(*s.protocol.reader_features, std::vector<std::string>{"v2Checkpoint"});
  DeltaSnapshot at8 = read(t, 8);
  EXPECT_EQ(at8.files.size(), 7u);  // _last_checkpoint: numOfAddFiles 7, all in the sidecar
  EXPECT_EQ(s.files.size(), 8u);    // commit 9 appends one file
  DeltaSnapshot at7 = read(t, 7);
  EXPECT_EQ(at7.checkpoint, 6);
  EXPECT_EQ(at7.files.size(), 6u);  // five WRITEs up to 6, one more in 7

  // Without its sidecar the checkpoint cannot be replayed: an error, never fewer files.
  fs::path copy = copy_table(dir_, "checkpoint-v2-table");
  for (const auto& e : fs::directory_iterator(copy / "_delta_log/_sidecars"))
    if (e.path().filename().string().starts_with("00000000000000000008")) fs::remove(e.path());
  EXPECT_NE(error([&] { read(copy); }).find("sidecar"), std::string::npos);
}

TEST_F(DeltaLog, ColumnMappingAndPartitions) {
  DeltaSnapshot s = read(fixture("table_with_column_mapping"));
  check_delta_protocol(s, "t");
  std::vector<DeltaColumn> c = delta_columns(s, "t");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].name, "Company Very Short");
  EXPECT_EQ(c[0].physical, "col-173b4db9-b5ad-427f-9e75-516aae37fbbb");
  EXPECT_EQ(c[0].field_id, 1);
  EXPECT_TRUE(c[0].partition);
  EXPECT_EQ(c[1].type, "VARCHAR");
  ASSERT_EQ(s.files.size(), 2u);
  EXPECT_EQ(s.files[1].partition_values.at("col-173b4db9-b5ad-427f-9e75-516aae37fbbb"), "BMS");

  DeltaSnapshot n = read(fixture("delta-0.8.0-null-partition"));
  ASSERT_EQ(n.files.size(), 2u);
  EXPECT_EQ(n.files[1].partition_values.at("k"), std::nullopt);
  std::vector<DeltaColumn> types = delta_columns(read(fixture("delta-2.2.0-partitioned-types")), "t");
  EXPECT_EQ(types[0].type, "INTEGER");
  EXPECT_TRUE(types[0].partition);
  EXPECT_FALSE(types[2].partition);
}

TEST_F(DeltaLog, DeletionVectorFromItsFile) {
  DeltaSnapshot s = read(fixture("table-with-dv-small"));
  ASSERT_EQ(s.files.size(), 1u) << "the remove without a deletion vector and the add with one are one file";
  ASSERT_TRUE(s.files[0].deletion_vector);
  const DeltaDeletionVector& dv = *s.files[0].deletion_vector;
  EXPECT_EQ(dv.storage_type, "u");
  // DELETE ... WHERE value IN (0, 9): rows 0 and 9 of the file.
  EXPECT_EQ(read_delta_deletion_vector(s.table, dv, "t"), (std::vector<std::int64_t>{0, 9}));
  EXPECT_FALSE(read(fixture("table-with-dv-small"), 0).files[0].deletion_vector);

  // A damaged file: the checksum says so.
  fs::path copy = copy_table(dir_, "table-with-dv-small");
  fs::path bin = copy / "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin";
  std::string bytes;
  {
    std::ifstream in(bin, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[20] = static_cast<char>(bytes[20] ^ 0x40);
  std::ofstream(bin, std::ios::binary) << bytes;
  EXPECT_NE(error([&] { read_delta_deletion_vector(copy, dv, "t"); }).find("checksum mismatch"),
            std::string::npos);
  fs::remove(bin);
  EXPECT_NE(error([&] { read_delta_deletion_vector(copy, dv, "t"); }).find("missing"), std::string::npos);
}

// Z85 encoding (ZeroMQ RFC 32) of whole 4-byte groups, to write an inline deletion vector.
std::string z85_encode(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  std::string out;
  for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) v = v * 256 + static_cast<unsigned char>(bytes[i + j]);
    char group[5];
    for (int j = 4; j >= 0; --j) {
      group[j] = kAlphabet[v % 85];
      v /= 85;
    }
    out.append(group, 5);
  }
  return out;
}

TEST_F(DeltaLog, DeletionVectorInlineInTheLog) {
  // The file's vector (36 bytes after the version byte and the size) written inline instead.
  fs::path copy = copy_table(dir_, "table-with-dv-small");
  fs::path bin = copy / "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin";
  std::string bytes;
  {
    std::ifstream in(bin, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string inline_dv = z85_encode(bytes.substr(5, 36));
  fs::remove(bin);
  fs::path commit = copy / "_delta_log/00000000000000000001.json";
  std::string text;
  {
    std::ifstream in(commit);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string from = R"("storageType":"u","pathOrInlineDv":"vBn[lx{q8@P<9BNH/isA","offset":1,)";
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), R"("storageType":"i","pathOrInlineDv":")" + inline_dv + "\",");
  std::ofstream(commit) << text;
  DeltaSnapshot s = read(copy);
  ASSERT_TRUE(s.files.at(0).deletion_vector);
  EXPECT_EQ(s.files[0].deletion_vector->storage_type, "i");
  EXPECT_EQ(read_delta_deletion_vector(copy, *s.files[0].deletion_vector, "t"),
            (std::vector<std::int64_t>{0, 9}));
  DeltaScan scan(con_, s, s.files, "t");
  EXPECT_EQ(scan.deleted_rows(), 2);
  auto rows =
      con_.query("SELECT string_agg(value::VARCHAR, ' ' ORDER BY value) FROM (" + scan.sql(false) + ")")
          .rows_as_text();
  EXPECT_EQ(rows.at(0).at(0), "1 2 3 4 5 6 7 8");
}

// A table written here: column mapping by name inside a struct, a list of structs and a map,
// a column added after the file was written, a timestamp partition.
TEST_F(DeltaLog, ColumnMappingInsideNestedTypes) {
  fs::path t = dir_ / "nested";
  fs::create_directories(t / "_delta_log");
  con_.execute(
      "COPY (SELECT 1 AS \"col-a\", {'col-x': 10, 'col-y': 'p'} AS \"col-s\", "
      "[{'col-x': 1, 'col-y': 'q'}, NULL] AS \"col-l\", MAP {'k': {'col-x': 2, 'col-y': 'r'}} AS \"col-m\" "
      "UNION ALL SELECT 2, NULL, [], MAP {}) TO '" +
      (t / "part-0.parquet").string() + "' (FORMAT parquet)");
  auto field = [](const std::string& name, const std::string& phys, const std::string& type) {
    return "{\"name\":\"" + name + "\",\"type\":" + type +
           ",\"nullable\":true,\"metadata\":{\"delta.columnMapping.physicalName\":\"" + phys + "\"}}";
  };
  std::string xy = "{\"type\":\"struct\",\"fields\":[" + field("x", "col-x", "\"long\"") + "," +
                   field("y", "col-y", "\"string\"") + "]}";
  std::string schema =
      "{\"type\":\"struct\",\"fields\":[" + field("a", "col-a", "\"integer\"") + "," +
      field("s", "col-s", xy) + "," +
      field("l", "col-l", "{\"type\":\"array\",\"elementType\":" + xy + ",\"containsNull\":true}") + "," +
      field("m", "col-m",
            "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":" + xy + ",\"valueContainsNull\":true}") +
      "," + field("added", "col-added", "\"double\"") + "," + field("at", "col-at", "\"timestamp\"") + "]}";
  nlohmann::json meta{{"metaData",
                       {{"id", "nested-test"},
                        {"format", {{"provider", "parquet"}}},
                        {"schemaString", schema},
                        {"partitionColumns", {"at"}},
                        {"configuration", {{"delta.columnMapping.mode", "name"}}}}}};
  std::ofstream(t / "_delta_log/00000000000000000000.json")
      << R"({"protocol":{"minReaderVersion":2,"minWriterVersion":5}})"
      << "\n"
      << meta.dump() << "\n"
      << R"({"add":{"path":"part-0.parquet","partitionValues":{"col-at":"2024-03-01 12:30:00"},"size":1,"dataChange":true}})"
      << "\n";
  DeltaSnapshot s = read(t);
  check_delta_protocol(s, "t");
  DeltaScan scan(con_, s, s.files, "t");
  auto rows = con_.query(
                      "SELECT a, s.x, s.y, l[1].y, len(l), m['k'].x, added IS NULL, "
                      "strftime(timezone('UTC', \"at\"), '%Y-%m-%d %H:%M') FROM (" +
                      scan.sql(false) + ") ORDER BY a")
                  .rows_as_text();
  ASSERT_EQ(rows.size(), 2u);
  std::vector<std::optional<std::string>> first{"1", "10", "p", "q", "2", "2", "true", "2024-03-01 12:30"};
  EXPECT_EQ(rows[0], first);
  EXPECT_EQ(rows[1][1], std::nullopt) << "a NULL struct stays NULL";
  EXPECT_EQ(rows[1][4], "0");
}

// Merge keeps the last row of a key by `filename` (load.cpp): for Delta it orders by the commit
// that added the file, not by the file's name.
TEST_F(DeltaLog, FilesOrderByTheirCommitForMerge) {
  fs::path t = dir_ / "updates";
  fs::create_directories(t / "_delta_log");
  con_.execute("COPY (SELECT 1 AS id, 'old' AS v) TO '" + (t / "b.parquet").string() + "' (FORMAT parquet)");
  con_.execute("COPY (SELECT 1 AS id, 'new' AS v) TO '" + (t / "a.parquet").string() + "' (FORMAT parquet)");
  std::string schema =
      R"({\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"v\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]})";
  std::ofstream(t / "_delta_log/00000000000000000000.json")
      << R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
      << "\n"
      << R"({"metaData":{"id":"u","format":{"provider":"parquet"},"schemaString":")" << schema
      << R"(","partitionColumns":[],"configuration":{}}})"
      << "\n"
      << R"({"add":{"path":"b.parquet","partitionValues":{},"size":1,"dataChange":true}})"
      << "\n";
  std::ofstream(t / "_delta_log/00000000000000000001.json")
      << R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"dataChange":true}})"
      << "\n";
  DeltaSnapshot s = read(t);
  DeltaScan scan(con_, s, s.files, "t");
  auto rows =
      con_.query("SELECT v FROM (" + scan.sql(true) + ") ORDER BY filename DESC LIMIT 1").rows_as_text();
  EXPECT_EQ(rows.at(0).at(0), "new");
}

TEST_F(DeltaLog, Z85) {
  // The Z85 specification's example (ZeroMQ RFC 32).
  auto bytes = z85_decode("HelloWorld");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, (std::vector<unsigned char>{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}));
  EXPECT_FALSE(
      z85_decode("Hello"
                 "W"
                 "or"));
  EXPECT_FALSE(z85_decode("Hell\""));
}

TEST_F(DeltaLog, RefusesReaderFeaturesItDoesNotImplement) {
  fs::path copy = copy_table(dir_, "table-with-dv-small");
  fs::path commit = copy / "_delta_log/00000000000000000000.json";
  std::string text;
  {
    std::ifstream in(commit);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto at = text.find("\"readerFeatures\":[\"deletionVectors\"]");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("\"readerFeatures\":[\"deletionVectors\"]").size(),
               "\"readerFeatures\":[\"deletionVectors\",\"variantType\"]");
  std::ofstream(commit) << text;
  std::string e = error([&] { check_delta_protocol(read(copy), "ingest resource 't'"); });
  EXPECT_NE(e.find("ingest resource 't': Delta table " + copy.string() +
                   " (version 1): the reader feature "
                   "'variantType' is not supported"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("deletionVectors"), std::string::npos) << "the hint lists what pond reads: " << e;
  // Reader version 4 does not exist yet: refused, whatever it needs.
  std::ofstream(copy / "_delta_log/00000000000000000002.json")
      << "{\"protocol\":{\"minReaderVersion\":4,\"minWriterVersion\":7}}\n";
  EXPECT_NE(error([&] { check_delta_protocol(read(copy), "t"); }).find("minReaderVersion 4 is not supported"),
            std::string::npos);
}

TEST_F(DeltaLog, DamagedLogs) {
  EXPECT_NE(error([&] { read(dir_.path()); }).find("not a Delta table: no _delta_log/ folder"),
            std::string::npos);
  EXPECT_NE(error([&] { read(dir_ / "nowhere"); }).find("no such folder"), std::string::npos);

  fs::path gap = copy_table(dir_, "simple_table");
  fs::remove(gap / "_delta_log/00000000000000000002.json");
  std::string e = error([&] { read(gap); });
  EXPECT_NE(e.find("commit 2 (" + (gap / "_delta_log/00000000000000000002.json").string() + ") is missing"),
            std::string::npos)
      << e;
  EXPECT_EQ(read(gap, 1).files.size(), 22u) << "versions before the gap still read";

  fs::path broken = copy_table(dir_, "delta-0.8.0-null-partition");
  std::ofstream(broken / "_delta_log/00000000000000000001.json")
      << "{\"commitInfo\":{}}\n{\"add\": {\"path\n";
  e = error([&] { read(broken); });
  EXPECT_NE(e.find(broken.string() + "/_delta_log/00000000000000000001.json:2: not a JSON action"),
            std::string::npos)
      << e;
  std::ofstream(broken / "_delta_log/00000000000000000001.json") << "{\"add\": {\"size\": 3}}\n";
  EXPECT_NE(error([&] { read(broken); }).find("00000000000000000001.json:1: 'path' must be a string"),
            std::string::npos);
}

TEST_F(DeltaLog, ChangesSinceAVersion) {
  // simple_table's commit 1 overwrites (removes with dataChange) and adds 21 files.
  DeltaChanges c = read_delta_changes(fixture("simple_table"), 0, 1, "t");
  EXPECT_EQ(c.first_removal, 1);
  EXPECT_EQ(c.added.size(), 21u);
  // Appends only: one file per commit, no removal; the checkpoint is not needed.
  DeltaChanges a = read_delta_changes(fixture("simple_table_with_checkpoint"), 3, 10, "t");
  EXPECT_FALSE(a.first_removal);
  ASSERT_EQ(a.added.size(), 7u);
  EXPECT_EQ(a.added.front().version, 4);
  EXPECT_EQ(a.added.back().version, 10);
  // The deletion-vector DELETE re-adds its file: the later add (with the vector) is the one kept.
  DeltaChanges d = read_delta_changes(fixture("table-with-dv-small"), -1, 1, "t");
  EXPECT_EQ(d.first_removal, 1);
  ASSERT_EQ(d.added.size(), 1u);
  EXPECT_TRUE(d.added[0].deletion_vector);
  fs::path gap = copy_table(dir_, "simple_table");
  fs::remove(gap / "_delta_log/00000000000000000003.json");
  EXPECT_NE(error([&] { read_delta_changes(gap, 1, 4, "t"); }).find("commit 3"), std::string::npos);
}

TEST_F(DeltaLog, ScanByColumnMappingIdChecksTheFieldIds) {
  fs::path copy = copy_table(dir_, "table_with_column_mapping");
  fs::path commit = copy / "_delta_log/00000000000000000000.json";
  std::string text;
  {
    std::ifstream in(commit);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto set_mode = [&](const std::string& from, const std::string& to) {
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(commit) << text;
  };
  set_mode("\"delta.columnMapping.mode\":\"name\"", "\"delta.columnMapping.mode\":\"id\"");
  DeltaSnapshot s = read(copy);
  {
    DeltaScan scan(con_, s, s.files, "t");
    auto rows = con_.query("SELECT \"Super Name\" FROM (" + scan.sql(false) +
                           ") WHERE \"Company Very Short\" = 'BME'")
                    .rows_as_text();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0], "Timothy Lamb");
  }
  // A schema whose field id names another physical column than the files': refused.
  set_mode("\\\"delta.columnMapping.id\\\":2", "\\\"delta.columnMapping.id\\\":7");
  DeltaSnapshot wrong = read(copy);
  EXPECT_NE(error([&] { DeltaScan scan(con_, wrong, wrong.files, "t"); }).find("column mapping by id"),
            std::string::npos);
}

}  // namespace

}  // namespace pond::ingest
