// The pieces that make lakes portable between pond and DuckDB's ducklake extension: view SQL
// with the `{DUCKLAKE_CATALOG}` placeholder, hive folder values of registered files, and
// puffin deletion vectors.
#include <gtest/gtest.h>

#include <cstring>

#include "common/error.hpp"
#include "lake/deletion_vector.hpp"
#include "lake/file_scan.hpp"
#include "lake/view_sql.hpp"

namespace pond::lake {

namespace {

TEST(ViewSql, TheProjectDatabaseBecomesThePlaceholder) {
  EXPECT_EQ(
      portable_view_sql(R"(select * from "shop"."main"."orders" o join shop.main.items i on true)", "shop"),
      R"(select * from {DUCKLAKE_CATALOG}."main"."orders" o join {DUCKLAKE_CATALOG}.main.items i on true)");
  // Case does not matter to DuckDB's catalog names.
  EXPECT_EQ(portable_view_sql(R"(from "Shop".main.t)", "shop"), "from {DUCKLAKE_CATALOG}.main.t");
  // Strings, comments, two-part names (table alias.column), schemas of other catalogs and
  // longer identifiers stay.
  std::string kept =
      R"(select 'shop.main.t', shop.id, "shop"."x", other.shop.t.c /* shop.main.t */, myshop.main.t -- shop.a.b
from x as shop)";
  EXPECT_EQ(portable_view_sql(kept, "shop"), kept);
  EXPECT_EQ(portable_view_sql("select $$shop.main.t$$, E'it\\'s shop.main.t', shop.main.t", "shop"),
            "select $$shop.main.t$$, E'it\\'s shop.main.t', {DUCKLAKE_CATALOG}.main.t");
  // A quoted name with a dot inside is one identifier.
  EXPECT_EQ(portable_view_sql(R"(from "my.db".main.t)", "my.db"), "from {DUCKLAKE_CATALOG}.main.t");
  EXPECT_EQ(portable_view_sql("from shop.main.t", ""), "from shop.main.t");
}

TEST(ViewSql, ThePlaceholderResolvesToTheAttachName) {
  std::string sql = R"(SELECT * FROM {DUCKLAKE_CATALOG}.main.orders WHERE note <> '{DUCKLAKE_CATALOG}.x')";
  EXPECT_EQ(resolve_view_sql(sql, "lk"),
            R"(SELECT * FROM "lk".main.orders WHERE note <> '{DUCKLAKE_CATALOG}.x')");
  EXPECT_EQ(resolve_view_sql(sql, ""), R"(SELECT * FROM main.orders WHERE note <> '{DUCKLAKE_CATALOG}.x')");
  EXPECT_EQ(resolve_view_sql(portable_view_sql(R"(from "shop"."main"."t")", "shop"), "shop"),
            R"(from "shop"."main"."t")");
  EXPECT_EQ(resolve_view_sql("select 1", "lk"), "select 1");
}

TEST(ViewSql, ColumnAliasesAndDialects) {
  EXPECT_EQ(parse_column_aliases(R"("a","b ""c""")"), (std::vector<std::string>{"a", R"(b "c")"}));
  EXPECT_TRUE(parse_column_aliases("").empty());
  EXPECT_THROW(parse_column_aliases("a,b"), UserError);
  View v;
  v.schema_name = "main";
  v.name = "v";
  v.dialect = "duckdb";
  v.sql = "SELECT 1, 2 FROM {DUCKLAKE_CATALOG}.main.t";
  v.column_aliases = R"("x","y")";
  EXPECT_EQ(view_body(v, "lk"), R"( ("x", "y") AS SELECT 1, 2 FROM "lk".main.t)");
  v.dialect = "spark";
  EXPECT_NE(view_body(v, "lk").find("error('lake view main.v is written in SQL dialect ''spark''"),
            std::string::npos);
}

TEST(HivePartitions, FoldersAsDuckDbReadsThem) {
  auto p = hive_partitions(
      "/data/t/year=2026/city=New%20York/region=__HIVE_DEFAULT_PARTITION__/x=NULL/a=b=c/"
      "year=1999/file=1.parquet");
  EXPECT_EQ(p.at("year"), "2026");  // the first folder of a key wins
  EXPECT_EQ(p.at("city"), "New York");
  EXPECT_FALSE(p.at("region").has_value());
  EXPECT_FALSE(p.at("x").has_value());
  EXPECT_EQ(p.count("a"), 0u);     // two '=' is no partition
  EXPECT_EQ(p.count("file"), 0u);  // the file name is no folder
}

// CRC-32 (IEEE), as the blob's checksum.
std::uint32_t crc32_of(const std::vector<unsigned char>& bytes, std::size_t from) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = from; i < bytes.size(); ++i) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_le(std::vector<unsigned char>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

void put_be32(std::vector<unsigned char>& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

// A deletion-vector-v1 blob: bitmaps (high key -> low values) in roaring's portable format
// (array containers, cookie 12346 with offsets).
std::vector<unsigned char> dv_blob(
    const std::vector<std::pair<std::int32_t, std::vector<std::uint16_t>>>& bitmaps) {
  std::vector<unsigned char> body = {0xD1, 0xD3, 0x39, 0x64};
  put_le(body, bitmaps.size(), 8);
  for (const auto& [high, low] : bitmaps) {
    put_le(body, static_cast<std::uint32_t>(high), 4);
    put_le(body, 12346, 4);  // cookie
    put_le(body, 1, 4);      // one container
    put_le(body, 0, 2);      // its key (bits 16..31 of the low value)
    put_le(body, low.size() - 1, 2);
    put_le(body, 16, 4);  // offset of its values
    for (auto v : low) put_le(body, v, 2);
  }
  std::vector<unsigned char> blob;
  put_be32(blob, static_cast<std::uint32_t>(body.size()));
  blob.insert(blob.end(), body.begin(), body.end());
  put_be32(blob, crc32_of(body, 0));
  return blob;
}

TEST(DeletionVector, DecodesRoaringBitmapsOfEachHighKey) {
  auto blob = dv_blob({{0, {1, 5, 7}}, {1, {2}}});
  auto positions = decode_deletion_vector(blob, "t.puffin");
  EXPECT_EQ(positions, (std::vector<std::int64_t>{1, 5, 7, (std::int64_t{1} << 32) + 2}));
}

TEST(DeletionVector, CorruptBlobsAreRefusedByName) {
  auto blob = dv_blob({{0, {1, 5, 7}}});
  auto bad_crc = blob;
  bad_crc[bad_crc.size() - 5] ^= 1;  // a value byte
  try {
    decode_deletion_vector(bad_crc, "t.puffin");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("t.puffin is corrupt: checksum mismatch"), std::string::npos)
        << e.what();
  }
  auto bad_magic = blob;
  bad_magic[4] = 0;
  EXPECT_THROW(decode_deletion_vector(bad_magic, "t.puffin"), UserError);
  std::vector<unsigned char> truncated(blob.begin(), blob.begin() + 18);
  EXPECT_THROW(decode_deletion_vector(truncated, "t.puffin"), UserError);
}

}  // namespace

}  // namespace pond::lake
