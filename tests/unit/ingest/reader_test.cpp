// How files are named, read and checked: formats from extensions, the reader SQL, gzip/zstd
// integrity, and DuckDB's errors turned into file:line messages.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/compressed_file.hpp"
#include "ingest/reader_sql.hpp"
#include "support/temp_dir.hpp"

namespace pond::ingest {

namespace {

namespace fs = std::filesystem;

TEST(IngestFormat, FromTheExtensionAfterCompression) {
  EXPECT_EQ(format_of_path("a/b.csv"), FileFormat::kCsv);
  EXPECT_EQ(format_of_path("a/*.CSV.GZ"), FileFormat::kCsv);
  EXPECT_EQ(format_of_path("x.tsv.zst"), FileFormat::kTsv);
  EXPECT_EQ(format_of_path("x.ndjson"), FileFormat::kJsonLines);
  EXPECT_EQ(format_of_path("x.jsonl.gz"), FileFormat::kJsonLines);
  EXPECT_EQ(format_of_path("x.json"), FileFormat::kJsonArray);
  EXPECT_EQ(format_of_path("x.parquet"), FileFormat::kParquet);
  EXPECT_EQ(format_of_path("x.txt"), std::nullopt);
  ResourceConfig r;
  r.name = "r";
  r.path = "x.txt";
  EXPECT_THROW(resource_format(r), UserError);
}

TEST(IngestReaderSql, CsvDialectIsNeverGuessed) {
  ResourceConfig r;
  r.path = "x.tsv";
  r.columns = {{"amount", "DECIMAL(12,2)"}};
  SourceFile f;
  f.full = "/d/x.tsv";
  std::string sql = reader_sql(r, {f});
  EXPECT_NE(sql.find("delim = '\t'"), std::string::npos) << sql;
  EXPECT_NE(sql.find("quote = '\"'"), std::string::npos) << sql;
  EXPECT_NE(sql.find("skip = 0"), std::string::npos) << sql;
  EXPECT_NE(sql.find("types = {'amount': 'DECIMAL(12,2)'}"), std::string::npos) << sql;
  EXPECT_NE(sql.find("REPLACE (CAST(\"amount\" AS DECIMAL(12,2)) AS \"amount\")"), std::string::npos) << sql;
  r.path = "x.jsonl";
  r.columns.clear();
  EXPECT_NE(reader_sql(r, {f}).find("format = 'newline_delimited'"), std::string::npos);
}

TEST(IngestReaderSql, UncompressedJsonReadsWithReadJsonsSpelling) {
  test::TempDir dir;
  std::ofstream(dir / "a.jsonl") << "{\"id\": 1}\n{\"id\": 2}\n";
  std::ofstream(dir / "b.csv") << "id\n1\n";
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  ResourceConfig r;
  r.compression = Compression::kNone;
  SourceFile f;
  r.path = "a.jsonl";
  f.full = dir / "a.jsonl";
  EXPECT_EQ(
      con.query("SELECT count(*) FROM (" + reader_sql(r, {f}) + ")").next_chunk()->get<std::int64_t>(0, 0),
      2);
  r.path = "b.csv";
  f.full = dir / "b.csv";
  EXPECT_EQ(
      con.query("SELECT count(*) FROM (" + reader_sql(r, {f}) + ")").next_chunk()->get<std::int64_t>(0, 0),
      1);
}

TEST(IngestBadInput, EngineMessagesBecomeShort) {
  EXPECT_EQ(short_engine_message(
                "Invalid Input Error: CSV Error on Line: 3\nOriginal Line: 8\n\nPossible fixes:\n* x"),
            "Invalid Input Error: CSV Error on Line: 3\nOriginal Line: 8");
  EXPECT_EQ(short_engine_message("Conversion Error: bad\n\n  file = a.csv\n  delimiter = ,"),
            "Conversion Error: bad");
}

class Compressed : public ::testing::Test {
 protected:
  SourceFile file(const std::string& name) {
    SourceFile f;
    f.path = name;
    f.full = dir_ / name;
    f.size = static_cast<std::int64_t>(fs::file_size(f.full));
    return f;
  }
  // Writes `text` compressed through DuckDB (COPY ... COMPRESSION).
  void compress(const std::string& name, const std::string& codec) {
    engine::Database db = engine::Database::open(":memory:");
    engine::Connection con(db);
    con.execute("COPY (SELECT range AS n FROM range(50000)) TO '" + (dir_ / name).string() +
                "' (FORMAT csv, COMPRESSION " + codec + ")");
  }
  test::TempDir dir_;
};

TEST_F(Compressed, WholeFilesPassAndTruncatedOnesFail) {
  for (const auto& [name, codec] :
       {std::pair<std::string, std::string>{"a.csv.gz", "gzip"}, {"a.csv.zst", "zstd"}}) {
    compress(name, codec);
    EXPECT_NO_THROW(check_compressed_file("r", file(name), Compression::kAuto)) << name;
    fs::resize_file(dir_ / name, fs::file_size(dir_ / name) / 2);
    try {
      check_compressed_file("r", file(name), Compression::kAuto);
      ADD_FAILURE() << name << " cut in half passed";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("ingest resource 'r': " + name + ": the " + codec),
                std::string::npos)
          << e.what();
      EXPECT_EQ(e.exit_code(), ExitCode::kStepFailed);
    }
  }
  // Plain files are not checked; a gzip-named file that is not gzip is refused.
  std::ofstream(dir_ / "p.csv") << "a\n1\n";
  EXPECT_NO_THROW(check_compressed_file("r", file("p.csv"), Compression::kAuto));
  std::ofstream(dir_ / "n.csv.gz") << "not gzip at all";
  EXPECT_THROW(check_compressed_file("r", file("n.csv.gz"), Compression::kAuto), UserError);
}

}  // namespace

}  // namespace pond::ingest
