#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/appender.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "engine/library.hpp"
#include "engine/prepared_statement.hpp"
#include "support/temp_dir.hpp"

namespace pond::engine {

TEST(Engine, LoadedLibraryIsTheOneBuiltFor) {
  EXPECT_EQ(loaded_library_version(), "v1.5.6");
  EXPECT_NO_THROW(check_library_version());
  // Loaded on first use by dlopen, from the folder the build points at.
  EXPECT_TRUE(library_path().ends_with("/libduckdb.so")) << library_path();
}

TEST(Engine, TypedAccessToColumns) {
  Database db = Database::open(":memory:");
  Connection con(db);
  Result r = con.query(
      "select 42::integer as i, 9000000000::bigint as b, 2.5::double as d, 'héllo' as s, true as t, "
      "date '2026-11-20' as dt, timestamp '2026-11-20 10:11:12.5' as ts, 12.34::decimal(10,2) as dec, "
      "null::integer as n, 'b'::enum('a','b') as e, 170141183460469231731687303715884105727::hugeint as h");
  ASSERT_EQ(r.column_count(), 11u);
  EXPECT_EQ(r.column_name(0), "i");
  EXPECT_EQ(r.column_type(0).id, TypeId::kInteger);
  EXPECT_EQ(r.column_type(7).name, "DECIMAL(10,2)");
  EXPECT_TRUE(r.column_type(7).is_numeric());
  EXPECT_FALSE(r.column_type(3).is_numeric());
  auto chunk = r.next_chunk();
  ASSERT_TRUE(chunk);
  ASSERT_EQ(chunk->size(), 1u);
  EXPECT_EQ(chunk->get<int32_t>(0, 0), 42);
  EXPECT_EQ(chunk->get<int64_t>(1, 0), 9000000000);
  EXPECT_THROW(chunk->get<int32_t>(1, 0), EngineError);
  EXPECT_DOUBLE_EQ(chunk->get<double>(2, 0), 2.5);
  EXPECT_EQ(chunk->get<std::string_view>(3, 0), "héllo");
  EXPECT_TRUE(chunk->get<bool>(4, 0));
  EXPECT_EQ(chunk->get<Date>(5, 0).to_string(), "2026-11-20");
  EXPECT_EQ(chunk->get<Timestamp>(6, 0).to_string(), "2026-11-20 10:11:12.500000");
  EXPECT_DOUBLE_EQ(chunk->get<double>(7, 0), 12.34);
  EXPECT_EQ(chunk->get<std::string>(7, 0), "12.34");
  EXPECT_TRUE(chunk->is_null(8, 0));
  EXPECT_FALSE(chunk->get_optional<int64_t>(8, 0).has_value());
  EXPECT_THROW(chunk->get<int64_t>(8, 0), EngineError);
  EXPECT_EQ(chunk->get<std::string>(9, 0), "b");
  EXPECT_EQ(chunk->get<std::string>(10, 0), "170141183460469231731687303715884105727");
  EXPECT_THROW(chunk->get<bool>(3, 0), EngineError);
  EXPECT_FALSE(r.next_chunk());
}

TEST(Engine, TextOfNumbersMatchesDuckDB) {
  Database db = Database::open("");
  Connection con(db);
  auto rows = con.query("select -0.05::decimal(4,2), 0.1::double, 1e20::double, -7::tinyint, 1::utinyint")
                  .rows_as_text();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "-0.05");
  EXPECT_EQ(rows[0][1], "0.1");
  EXPECT_EQ(rows[0][2], "1e+20");
  EXPECT_EQ(rows[0][3], "-7");
  EXPECT_EQ(rows[0][4], "1");
}

TEST(Engine, StreamsManyChunks) {
  Database db = Database::open(":memory:");
  Connection con(db);
  Result r = con.query("select range as x from range(10000)");
  std::size_t chunks = 0, rows = 0;
  int64_t sum = 0;
  while (auto c = r.next_chunk()) {
    ++chunks;
    for (std::size_t i = 0; i < c->size(); ++i) sum += c->get<int64_t>(0, i);
    rows += c->size();
  }
  EXPECT_GT(chunks, 1u);
  EXPECT_EQ(rows, 10000u);
  EXPECT_EQ(sum, 49995000);
}

TEST(Engine, ErrorsCarryDuckDBMessage) {
  Database db = Database::open(":memory:");
  Connection con(db);
  try {
    con.query("select * from no_such_table");
    FAIL() << "expected an error";
  } catch (const EngineError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
    EXPECT_FALSE(e.interrupted());
  }
  EXPECT_THROW(con.prepare("selec 1"), EngineError);
  EXPECT_THROW(Database::open(":memory:", {{"no_such_setting", "1"}}), EngineError);
  EXPECT_THROW(Database::open("/nonexistent-dir/x/y.duckdb"), EngineError);
}

TEST(Engine, PreparedStatementsBindAndReuse) {
  Database db = Database::open(":memory:");
  Connection con(db);
  con.execute("create table t(i bigint, d double, s varchar, b boolean)");
  PreparedStatement insert = con.prepare("insert into t values ($1, $2, $3, $4)");
  EXPECT_EQ(insert.parameter_count(), 4u);
  EXPECT_FALSE(insert.returns_rows());
  insert.bind(1, 1).bind(2, 0.5).bind(3, "a").bind(4, true).execute();
  insert.bind(1, std::int64_t{2}).bind_null(2).bind(3, std::string_view("it's")).bind(4, false).execute();
  EXPECT_THROW(insert.bind(9, 1), EngineError);

  PreparedStatement select = con.prepare("select s from t where i = $1");
  EXPECT_TRUE(select.returns_rows());
  EXPECT_EQ(select.column_name(0), "s");
  EXPECT_EQ(select.column_type(0).id, TypeId::kVarchar);
  EXPECT_EQ(select.bind(1, 2).execute().rows_as_text()[0][0], "it's");
  EXPECT_EQ(select.bind(1, 1).execute().rows_as_text()[0][0], "a");
  EXPECT_EQ(con.query("select count(*) from t where d is null").rows_as_text()[0][0], "1");
}

// Text parameters (the PostgreSQL wire's text format) give what DuckDB's cast of the text gives,
// typed where the text is a plain literal of the planned type and cast by DuckDB otherwise.
TEST(Engine, TextParametersBindAsTheirPlannedType) {
  Database db = Database::open(":memory:");
  Connection con(db);
  PreparedStatement p = con.prepare(
      "select $1::integer + 1, $2::bigint * 2, $3::boolean, $4::utinyint, $5::double, $6::varchar");
  auto row = [&](std::string_view a, std::string_view b, std::string_view c, std::string_view d) {
    p.bind_text(1, a, p.parameter_type(1).id).bind_text(2, b, p.parameter_type(2).id);
    p.bind_text(3, c, p.parameter_type(3).id).bind_text(4, d, p.parameter_type(4).id);
    p.bind_text(5, "2.5", p.parameter_type(5).id).bind_text(6, "x", p.parameter_type(6).id);
    return p.execute().rows_as_text()[0];
  };
  EXPECT_EQ(p.parameter_type(1).id, TypeId::kInteger);
  EXPECT_EQ(
      row("41", "-4611686018427387904", "t", "255"),
      (std::vector<std::optional<std::string>>{"42", "-9223372036854775808", "true", "255", "2.5", "x"}));
  // Not plain literals: DuckDB's cast decides (spaces, '+', a decimal rounds, 'yes' is refused).
  EXPECT_EQ(row(" 41 ", "+3", "false", "7")[0], "42");
  EXPECT_EQ(row("1.6", "3", "f", "7")[0], "3");
  EXPECT_THROW(row("1", "1", "maybe", "1"), EngineError);
  EXPECT_THROW(row("1", "1", "t", "256"), EngineError);  // out of range for UTINYINT
}

TEST(Engine, AppenderLoadsRows) {
  Database db = Database::open(":memory:");
  Connection con(db);
  con.execute("create schema s; create table s.t(i bigint, name varchar, ok boolean, x double)");
  {
    Appender app = con.appender("s", "t");
    for (int i = 0; i < 5000; ++i) {
      app.append(i).append("n" + std::to_string(i)).append(i % 2 == 0).append(i * 0.5);
      app.end_row();
    }
    app.append_null().append_null().append_null().append_null();
    app.end_row();
    app.close();
  }
  auto rows = con.query("select count(*), sum(i), count(name), sum(x) from s.t").rows_as_text();
  EXPECT_EQ(rows[0][0], "5001");
  EXPECT_EQ(rows[0][1], "12497500");
  EXPECT_EQ(rows[0][2], "5000");
  EXPECT_THROW(con.appender("s", "missing"), EngineError);
}

TEST(Engine, AppenderRejectsWrongArity) {
  Database db = Database::open(":memory:");
  Connection con(db);
  con.execute("create table t(i bigint)");
  Appender app = con.appender("", "t");
  EXPECT_THROW(app.append(1).append(2), EngineError);
}

TEST(Engine, InterruptStopsARunningQuery) {
  Database db = Database::open(":memory:", {{"threads", "1"}});
  Connection con(db);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    con.interrupt();
  });
  auto start = std::chrono::steady_clock::now();
  try {
    con.query("select count(*) from range(100000000000) t(a) where a % 7 = 3");
    ADD_FAILURE() << "query should have been interrupted";
  } catch (const EngineError& e) {
    EXPECT_TRUE(e.interrupted()) << e.what();
  }
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  // The connection is usable afterwards.
  EXPECT_EQ(con.query("select 1").rows_as_text()[0][0], "1");
}

TEST(Engine, FileDatabasePersists) {
  test::TempDir dir;
  std::string path = (dir / "x.duckdb").string();
  {
    Database db = Database::open(path);
    Connection con(db);
    con.execute("create table t as select 7 as v");
  }
  Database db = Database::open(path, {{"access_mode", "READ_ONLY"}});
  EXPECT_EQ(db.path(), path);
  Connection con(db);
  EXPECT_EQ(con.query("select v from t").rows_as_text()[0][0], "7");
  EXPECT_THROW(con.execute("insert into t values (8)"), EngineError);
}

TEST(Engine, DescribesNestedTypes) {
  Database db = Database::open(":memory:");
  Connection con(db);
  Result r =
      con.query("select [1,2] as l, {'a': 1, 'b': 'x'} as s, map {'k': 1.5} as m, [1,2]::integer[2] as a");
  EXPECT_EQ(r.column_type(0).name, "INTEGER[]");
  EXPECT_EQ(r.column_type(1).name, "STRUCT(a INTEGER, b VARCHAR)");
  EXPECT_EQ(r.column_type(2).name, "MAP(VARCHAR, DECIMAL(2,1))");
  EXPECT_EQ(r.column_type(3).name, "INTEGER[2]");
  auto chunk = r.next_chunk();
  EXPECT_THROW(chunk->get<std::string>(0, 0), EngineError);  // nested values are cast in SQL
}

}  // namespace pond::engine
