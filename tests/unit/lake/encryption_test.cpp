// Encrypted lakes (ducklake_metadata encrypted = true, each file's key in encryption_key, as
// the extension's ENCRYPTED mode writes them): pond reads them with the stored keys and
// refuses to write plain parquet into them.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "lake_test_util.hpp"

namespace pond::lake {

namespace {

class LakeEncryption : public ::testing::Test {
 protected:
  test::TempDir dir;
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con{db};
  Lake lake = Lake::open(testing::sqlite_config(dir));
};

TEST_F(LakeEncryption, FilesAreReadWithTheirKeysAndWritesAreRefused) {
  lake.create_table_as(con, "t", "SELECT range::INT AS id, 'v' || range AS v FROM range(10)");
  lake.delete_where(con, "t", "id = 3");
  Table t = lake.table("t");
  auto files = lake.reader().data_files(t.id, lake.latest_snapshot().id);
  ASSERT_EQ(files.size(), 1u);
  std::string path = data_file_location(lake.data_root(), t, files[0]);
  // The same rows, encrypted with a 16-byte key (DuckDB writes encrypted parquet only with
  // an explicit opt-in when no crypto library is loaded; reading needs none).
  const std::string key = "MDEyMzQ1Njc4OTExMjM0NQ==";
  con.execute("SET force_mbedtls_unsafe = 'true'");
  con.execute(
      "COPY (SELECT * FROM read_parquet('" + path + "')) TO '" + path +
      ".enc' (FORMAT parquet, FIELD_IDS {id: 1, v: 2}, ENCRYPTION_CONFIG {footer_key_value: from_base64('" +
      key + "')})");
  std::filesystem::rename(path + ".enc", path);
  CatalogDb& c = lake.catalog_db();
  c.execute("UPDATE ducklake_data_file SET encryption_key = ?, file_size_bytes = ? WHERE data_file_id = ?",
            {key, static_cast<std::int64_t>(std::filesystem::file_size(path)), files[0].id});
  c.execute("UPDATE ducklake_metadata SET value = 'true' WHERE key = 'encrypted'");
  EXPECT_THROW(con.query("SELECT * FROM read_parquet('" + path + "')"), std::exception);

  Lake encrypted = Lake::open(testing::sqlite_config(dir));
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) || ':' || sum(id) FROM (" + encrypted.scan("t").sql + ")"),
            "9:42");
  try {
    encrypted.append(con, "t", "SELECT 100 AS id, 'x' AS v");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("is encrypted"), std::string::npos) << e.what();
  }
  EXPECT_THROW(encrypted.delete_where(con, "t", "id = 1"), UserError);
  EXPECT_EQ(encrypted.latest_snapshot().id, lake.latest_snapshot().id);  // nothing committed
}

}  // namespace

}  // namespace pond::lake
