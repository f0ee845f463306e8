// pond.yml `ingest:` resources `from: delta` (docs/ingest.md#delta-tables).
#include <gtest/gtest.h>

#include "orchestrate/config.hpp"

namespace pond::orchestrate {

namespace {

std::string delta_error(const std::string& text) {
  try {
    parse_pond_config(text, "pond.yml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PondConfigDelta, ReadsTheTableItsVersionAndDisposition) {
  PondConfig c = parse_pond_config(
      "ingest:\n  orders: {from: delta, path: lake/orders}\n"
      "  old: {from: delta, path: /data/orders, version: 3, write: append, schema: hist}\n",
      "pond.yml");
  ASSERT_EQ(c.ingest.size(), 2u);
  const auto& o = c.ingest[0];
  EXPECT_EQ(o.source, ingest::SourceKind::kDelta);
  EXPECT_EQ(o.path, "lake/orders");
  EXPECT_EQ(o.write, ingest::WriteDisposition::kReplace) << "a Delta table is loaded as it is by default";
  EXPECT_FALSE(o.delta_version);
  EXPECT_EQ(c.ingest[1].delta_version, 3);
  EXPECT_EQ(c.ingest[1].write, ingest::WriteDisposition::kAppend);
  EXPECT_EQ(c.ingest[1].qualified_table(), "hist.old");
}

TEST(PondConfigDelta, RefusesWhatItCannotDo) {
  EXPECT_NE(delta_error("ingest:\n  a: {from: delta}\n").find("needs 'path:'"), std::string::npos);
  EXPECT_NE(delta_error("ingest:\n  a: {from: delta, path: t, format: parquet}\n")
                .find("pond.yml:2:29: unknown key 'format' in ingest resource 'a' (from: delta)"),
            std::string::npos);
  EXPECT_NE(delta_error("ingest:\n  a: {from: delta, path: t, version: -1}\n")
                .find("pond.yml:2:38: 'version:' must be between 0"),
            std::string::npos);
  EXPECT_NE(delta_error("ingest:\n  a: {from: delta, path: t, columns: {x: INT}}\n")
                .find("a Delta table's types come from its schema"),
            std::string::npos);
  EXPECT_NE(delta_error("ingest:\n  a: {from: delta, path: t, incremental: files}\n")
                .find("incremental by the table's version"),
            std::string::npos);
  EXPECT_NE(delta_error("ingest:\n  a: {from: delta, path: t, write: merge}\n").find("needs 'primary_key:'"),
            std::string::npos);
}

}  // namespace

}  // namespace pond::orchestrate
