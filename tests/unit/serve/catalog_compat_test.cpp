// The catalog compatibility layer: clients' PostgreSQL-only catalog syntax rewritten into SQL
// DuckDB runs, on a real in-memory database with pond_catalog installed.
#include "serve/catalog_compat.hpp"

#include <gtest/gtest.h>

#include "engine/connection.hpp"
#include "engine/database.hpp"

namespace pond::serve {
namespace {

class CatalogCompatTest : public ::testing::Test {
 protected:
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con{db};
  CatalogCompat compat{con};

  std::vector<std::vector<std::optional<std::string>>> run(const std::string& sql) {
    return con.query(compat.rewrite(sql)).rows_as_text();
  }
};

TEST_F(CatalogCompatTest, LeavesOrdinarySqlAlone) {
  EXPECT_EQ(compat.rewrite("select 'OPERATOR(x)' from t"), "select 'OPERATOR(x)' from t");
}

TEST_F(CatalogCompatTest, RewritesPsqlSyntax) {
  con.execute("CREATE TABLE orders (id INTEGER); CREATE VIEW lake_view AS SELECT 1 AS x");
  record_lake_tables(con, {{"main", "lake_view"}});
  auto rows =
      run("SELECT c.relname, c.relkind, pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c "
          "WHERE c.relname OPERATOR(pg_catalog.~) '^(lake_view|orders)$' COLLATE pg_catalog.default "
          "ORDER BY 1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "lake_view");
  EXPECT_EQ(rows[0][1], "r");  // a lake table is a table to clients
  EXPECT_EQ(rows[0][2], "pond");
  EXPECT_EQ(rows[1][1], "r");
}

TEST_F(CatalogCompatTest, CastsAndUnqualifiedFunctions) {
  auto rows = run("SELECT 5::pg_catalog.text, pg_catalog.array_to_string([1, 2], ',')");
  EXPECT_EQ(rows[0][0], "5");
  EXPECT_EQ(rows[0][1], "1,2");
  // pond_catalog itself is not shown to clients.
  EXPECT_TRUE(run("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = 'pond_catalog'").empty());
  EXPECT_TRUE(run("SELECT relname FROM pg_catalog.pg_class WHERE relname = 'lake_tables'").empty());
}

TEST_F(CatalogCompatTest, JdbcAndMetabaseCatalog) {
  con.execute("CREATE TABLE orders (id INTEGER, note VARCHAR, amount DECIMAL(10, 2))");
  // PostgreSQL's format(), and DuckDB's own left alone.
  auto rows = run("SELECT format('%I.%I', 'main', 'My Table'), format('%s-%L', 1, 'it''s'), format('{}', 3)");
  EXPECT_EQ(rows[0][0], "main.\"My Table\"");
  EXPECT_EQ(rows[0][1], "1-'it''s'");
  EXPECT_EQ(rows[0][2], "3");
  // 'name'::regclass is the relation's oid.
  rows = run("SELECT 'orders'::regclass = (SELECT oid FROM pg_catalog.pg_class WHERE relname = 'orders')");
  EXPECT_EQ(rows[0][0], "true");
  // Column types join pg_type by PostgreSQL's oids, with pgjdbc's numeric typmod.
  rows = run(
      "SELECT a.attname, t.typname, a.atttypmod FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON "
      "t.oid = a.atttypid JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE c.relname = 'orders' ORDER "
      "BY "
      "a.attnum");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][1], "int4");
  EXPECT_EQ(rows[1][1], "varchar");
  EXPECT_EQ(rows[2][1], "numeric");
  EXPECT_EQ(rows[2][2], std::to_string(((10 << 16) | 2) + 4));
  rows =
      run("SELECT udt_name FROM information_schema.columns WHERE table_name = 'orders' ORDER BY "
          "ordinal_position");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][0], "varchar");
  EXPECT_EQ(run("SELECT setting FROM pg_settings WHERE name = 'max_index_keys'")[0][0], "32");
}

}  // namespace
}  // namespace pond::serve
