// PostgreSQL ingestion end to end: `pond ingest` reads a real PostgreSQL server the test starts
// (Debian's initdb/pg_ctl, tests/support/postgres_server.hpp): every common type lands faithfully,
// an incremental cursor loads only new rows, a load killed mid-copy commits nothing and the next
// loads everything once, and bad connections, tables, queries and values fail clearly with the
// lake unchanged and the password never shown.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "pond_runner.hpp"
#include "support/postgres_server.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPassword = "pg-s3cret-pw";

class IngestPostgres : public PondTest {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    server_ = PostgresServer::start(why).release();
    ASSERT_NE(server_, nullptr) << why;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    root_ = init_lake_project("shop");
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_ = "t_" + to_lower(test);
    conninfo_ = server_->create_database(db_);
  }

  static std::string to_lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  // Runs SQL on the test's database (psql, stopping at the first error).
  void sql(const std::string& statements) {
    ProcessResult r =
        run_process({"/usr/bin/psql", conninfo_, "-v", "ON_ERROR_STOP=1", "-q", "-c", statements});
    ASSERT_EQ(r.exit_code, 0) << statements << "\n" << r.out << r.err;
  }

  // pond.yml's `ingest:` becomes `yaml` ({conn} stands for the database's connection string).
  void resources(std::string yaml) {
    for (auto at = yaml.find("{conn}"); at != std::string::npos; at = yaml.find("{conn}"))
      yaml.replace(at, 6, conninfo_);
    std::ifstream in(root_ / "pond.yml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto from = text.find("\ningest:\n");
    ASSERT_NE(from, std::string::npos);
    std::ofstream(root_ / "pond.yml") << text.substr(0, from) << "\ningest:\n" << yaml;
  }

  ProcessResult pond(const std::vector<std::string>& args) {
    ProcessOptions o;
    o.env = {{"PG_PASSWORD", kPassword}};
    return run_pond(args, root_, o);
  }

  std::string rows(const std::string& query) {
    ProcessResult r = run_pond({"show", "--inline", query, "-o", "csv", "--limit", "-1"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto nl = r.out.find('\n');
    std::string v = nl == std::string::npos ? "" : r.out.substr(nl + 1);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  std::string snapshots() {
    ProcessResult r = run_pond({"lake", "snapshots", "-o", "csv"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  static PostgresServer* server_;
  fs::path root_;
  std::string db_;
  std::string conninfo_;
};

PostgresServer* IngestPostgres::server_ = nullptr;

TEST_F(IngestPostgres, EveryCommonTypeLandsFaithfully) {
  sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
      "CREATE DOMAIN positive AS integer CHECK (VALUE > 0);"
      "CREATE TABLE public.every (id int8 PRIMARY KEY, s2 int2, s4 int4, amount numeric(12,2), "
      "big numeric(30,10), free numeric, f4 float4, f8 float8, flag bool, note text, code varchar(10), "
      "fixed char(4), day date, at_time time, local_ts timestamp, instant timestamptz, span interval, "
      "bits bytea, uid uuid, doc json, docb jsonb, ints int4[], words text[], prices numeric(20,5)[], "
      "instants timestamptz[], days date[], feeling mood, feelings mood[], addr inet, pos positive);"
      "INSERT INTO public.every VALUES "
      "(1, -32768, 2147483647, 1234567890.12, 12345678901234567890.0123456789, 3.14159265358979323846264338, "
      "1.5, 0.1, true, 'a, \"quoted\"\nline', '', 'ab', '2024-02-29', '23:59:59.999999', "
      "'2024-01-31 12:34:56.789012', '2024-06-01 10:00:00+02', '1 year 2 mons 3 days 04:05:06.5', "
      "'\\x00ff10'::bytea, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', '{\"b\": {\"c\": "
      "null}}', "
      "'{1,NULL,3}', '{x,\"y,z\",\"\"}', '{12345678901234.56789,-0.00001}', "
      "'{\"2024-01-01 00:00:00+05\"}', '{2024-01-01,NULL}', 'happy', '{sad,ok}', '192.168.0.1/24', 7),"
      "(2, NULL, NULL, NULL, NULL, NULL, 'NaN', '-Infinity', false, NULL, NULL, NULL, '0044-03-15 BC', NULL, "
      "NULL, NULL, NULL, '\\x'::bytea, NULL, NULL, NULL, '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL)");
  resources(
      "  every:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    source_table: public.every\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The lake's column types (json/jsonb: the lake's writer keeps DuckDB's JSON as VARCHAR today).
  EXPECT_EQ(
      rows("select string_agg(column_name || ' ' || data_type, '; ' order by ordinal_position) "
           "from information_schema.columns where table_schema = 'raw' and table_name = 'every' "
           "and column_name not like '_pond%'"),
      "\"id BIGINT; s2 SMALLINT; s4 INTEGER; amount DECIMAL(12,2); big DECIMAL(30,10); free VARCHAR; "
      "f4 FLOAT; f8 DOUBLE; flag BOOLEAN; note VARCHAR; code VARCHAR; fixed VARCHAR; day DATE; at_time TIME; "
      "local_ts TIMESTAMP; instant TIMESTAMP WITH TIME ZONE; span INTERVAL; bits BLOB; uid UUID; doc "
      "VARCHAR; "
      "docb VARCHAR; ints INTEGER[]; words VARCHAR[]; prices DECIMAL(20,5)[]; instants TIMESTAMP WITH TIME "
      "ZONE[]; days DATE[]; feeling VARCHAR; feelings VARCHAR[]; addr VARCHAR; pos INTEGER\"");
  // The values, exactly (instants in UTC).
  EXPECT_EQ(rows("select id, s2, s4, amount, big, free, f4, f8, flag, note, code = '', fixed, day, at_time, "
                 "local_ts, epoch_us(instant), span, hex(bits), uid from raw.every order by id"),
            "1,-32768,2147483647,1234567890.12,12345678901234567890.0123456789,3.14159265358979323846264338,"
            "1.5,0.1,true,\"a, \"\"quoted\"\"\nline\",true,ab  ,2024-02-29,23:59:59.999999,"
            "2024-01-31 12:34:56.789012,1717228800000000,1 year 2 months 3 days 04:05:06.5,00FF10,"
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n"
            "2,,,,,,nan,-inf,false,,,,0044-03-15 (BC),,,,,,");
  EXPECT_EQ(
      rows("select doc->>'$.a[1]', docb::varchar, ints::varchar, words::varchar, prices::varchar, "
           "epoch_us(instants[1]), days::varchar, feeling, feelings::varchar, addr, pos "
           "from raw.every where id = 1"),
      "2,\"{\"\"b\"\": {\"\"c\"\": null}}\",\"[1, NULL, 3]\",\"[x, 'y,z', '']\","
      "\"[12345678901234.56789, -0.00001]\",1704049200000000,\"[2024-01-01, NULL]\",happy,\"[sad, ok]\","
      "192.168.0.1/24,7");
  EXPECT_EQ(rows("select ints::varchar, octet_length(bits) from raw.every where id = 2"), "[],0");
  EXPECT_EQ(rows("select resource, write_disposition, files, rows from raw._pond_loads"), "every,append,0,2");
}

TEST_F(IngestPostgres, IncrementalCursorLoadsOnlyNewRowsAndAKilledLoadNothing) {
  sql("CREATE TABLE events (id int PRIMARY KEY, updated_at timestamptz NOT NULL, v text);"
      "CREATE TABLE slow (secs float8); INSERT INTO slow VALUES (0);"
      "INSERT INTO events SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour', 'v' || i "
      "FROM generate_series(1, 3) i");
  // pg_sleep per row, as long as `slow` says: a load to kill in the middle of its copy.
  resources(
      "  events:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    query: \"select e.* from events e, lateral (select pg_sleep(secs) from slow where e.id > 0) z\"\n"
      "    incremental: {cursor: updated_at, initial: '2024-01-01 02:00:00+00'}\n");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select string_agg(id::varchar, ' ' order by id) from raw.events"), "2 3")
      << "from initial: on";
  EXPECT_EQ(rows("select cursor_path, cursor_value from raw._pond_load_cursors"),
            "updated_at,\"\"\"2024-01-01 03:00:00+00\"\"\"");

  std::string before = snapshots();
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(snapshots(), before) << "no new row: no commit";

  sql("INSERT INTO events SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour', 'v' || i "
      "FROM generate_series(4, 5) i; UPDATE events SET v = 'old' WHERE id = 1");
  r = pond({"ingest", "-s", "events"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      rows("select string_agg(id::varchar, ' ' order by id), count(distinct _pond_load_id) from raw.events"),
      "2 3 4 5,2");

  // Killed while copying: nothing committed, and the next load brings each new row once.
  sql("INSERT INTO events SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour', 'v' || i "
      "FROM generate_series(6, 12) i; UPDATE slow SET secs = 0.3");
  before = snapshots();
  ProcessOptions kill;
  kill.env = {{"PG_PASSWORD", kPassword}};
  kill.signal = 9;
  // The cursor's max() sleeps through the 7 rows (2.1 s), then the copy does: killed in the copy.
  kill.signal_after = std::chrono::milliseconds(3000);
  r = run_pond({"ingest"}, root_, kill);
  EXPECT_EQ(r.exit_code, 128 + 9) << r.out << r.err;
  EXPECT_EQ(snapshots(), before) << "killed while copying: nothing committed";
  sql("UPDATE slow SET secs = 0");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      rows("select string_agg(id::varchar, ' ' order by id), count(*), count(distinct id) from raw.events"),
      "2 3 4 5 6 7 8 9 10 11 12,11,11");
  EXPECT_EQ(rows("select rows from raw._pond_loads order by loaded_at"), "2\n2\n7");
  EXPECT_EQ(rows("select max(cursor_value) from raw._pond_load_cursors"),
            "\"\"\"2024-01-01 12:00:00+00\"\"\"");

  // A row without a cursor value is refused, not skipped forever.
  sql("ALTER TABLE events ALTER updated_at DROP NOT NULL; INSERT INTO events VALUES (13, NULL, 'x')");
  before = snapshots();
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      (r.out + r.err).find("1 row(s) of the source have no value (NULL) in the cursor column 'updated_at'"),
      std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(snapshots(), before);
}

TEST_F(IngestPostgres, MergeFromTheLastCursorOnReplaceAndScd2) {
  sql("CREATE TABLE items (id int PRIMARY KEY, version int NOT NULL, name text);"
      "INSERT INTO items VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c')");
  resources(
      "  items:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    source_table: items\n"
      "    write: merge\n"
      "    primary_key: id\n"
      "    incremental: {cursor: version}\n"
      "  items_now:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    query: \"select id, name from items where id > 1;\"\n"
      "    write: replace\n"
      "  items_history:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    query: select id, name from items\n"
      "    write: scd2\n"
      "    primary_key: id\n");
  ASSERT_EQ(pond({"ingest"}).exit_code, 0);
  EXPECT_EQ(rows("select cursor_value from raw._pond_load_cursors"), "3");
  // Rows 2 and 4 change; version 3 is read again (merge starts at the last value) and replaces itself.
  sql("UPDATE items SET version = 4, name = 'B' WHERE id = 2; INSERT INTO items VALUES (4, 4, 'd');"
      "DELETE FROM items WHERE id = 3");
  ProcessResult r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, version, name from raw.items order by id"), "1,1,a\n2,4,B\n3,3,c\n4,4,d");
  EXPECT_EQ(rows("select string_agg(id || name, ' ' order by id) from raw.items_now"), "2B 4d");
  // scd2 over the whole table: 2 changed (a new version), 3 deleted (retired), 4 new.
  EXPECT_EQ(
      rows("select id, name, _pond_valid_to is null from raw.items_history order by id, _pond_valid_from"),
      "1,a,true\n2,b,false\n2,B,true\n3,c,false\n4,d,true");
  EXPECT_EQ(rows("select rows from raw._pond_loads where resource = 'items' order by loaded_at"), "3\n2");
}

TEST_F(IngestPostgres, ParallelConnectionsByKeyRangeLoadTheSameRowsOnce) {
  sql("CREATE TABLE big (id int PRIMARY KEY, k bigint, v text);"
      "INSERT INTO big SELECT i, CASE WHEN i % 10 = 0 THEN NULL ELSE i * 1000 - 500000 END, 'v' || i "
      "FROM generate_series(1, 1000) i");
  resources(
      "  big:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    source_table: big\n"
      "    parallel: {connections: 3, key: k}\n"
      "    incremental: {cursor: id}\n"
      "  bad_key:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    source_table: big\n"
      "    parallel: {connections: 2, key: v}\n");
  ProcessResult r = pond({"ingest", "-s", "big"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("copying 3 ranges of k on 3 connections"), std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(rows("select count(*), count(distinct id), min(id), max(id), count(k), sum(k) from raw.big"),
            "1000,1000,1,1000,900,0");
  // The next load's rows (past the cursor) are split the same way.
  sql("INSERT INTO big SELECT i, i, 'w' FROM generate_series(1001, 1010) i");
  r = pond({"ingest", "-s", "big"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), count(distinct id) from raw.big"), "1010,1010");
  r = pond({"ingest", "-s", "bad_key"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("parallel: key 'v' is text, not an integer column"), std::string::npos)
      << r.out << r.err;
}

TEST_F(IngestPostgres, BadConnectionsTablesQueriesAndValuesFailClearlyAndChangeNothing) {
  sql("CREATE TABLE t (id int, amount numeric(10,2)); INSERT INTO t VALUES (1, 1.5), (2, 'NaN');"
      "CREATE ROLE app LOGIN PASSWORD '" +
      std::string(kPassword) + "'; GRANT SELECT ON t TO app");
  // Password authentication for `app` (the test's own user stays trusted).
  ProcessResult hba = run_process({"/usr/bin/psql", conninfo_, "-At", "-c", "SHOW hba_file"});
  ASSERT_EQ(hba.exit_code, 0) << hba.err;
  std::string hba_file = hba.out.substr(0, hba.out.find('\n'));
  std::ofstream(hba_file) << "local all postgres trust\nlocal all all scram-sha-256\n";
  sql("SELECT pg_reload_conf()");
  std::string app = conninfo_;
  app.replace(app.find("user=postgres"), 13, "user=app");
  resources(
      "  ok:\n"
      "    from: postgres\n"
      "    connection: \"" +
      app +
      "\"\n"
      "    password: \"${PG_PASSWORD}\"\n"
      "    query: select id from t where id = 1\n"
      "  wrong_password:\n"
      "    from: postgres\n"
      "    connection: \"" +
      app +
      "\"\n"
      "    password: \"${WRONG_PASSWORD}\"\n"
      "    source_table: t\n"
      "  refused:\n"
      "    from: postgres\n"
      "    connection: postgresql://app@127.0.0.1:1/nowhere\n"
      "    password: {env: PG_PASSWORD}\n"
      "    source_table: t\n"
      "  no_table:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    source_table: public.nope\n"
      "  bad_query:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    query: select 10 / (id - 2) as x from t\n"
      "  nan:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    source_table: t\n");
  ProcessResult r = pond({"ingest", "-s", "ok"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id from raw.ok"), "1");
  std::string before = snapshots();
  struct Case {
    std::string resource, says;
  };
  for (const Case& c : std::vector<Case>{
           {"wrong_password", "password authentication failed for user \"app\""},
           {"refused",
            "PostgreSQL at 127.0.0.1:1/nowhere: connecting: connection to server at \"127.0.0.1\", "
            "port 1 failed: Connection refused"},
           {"no_table", "reading public.nope: relation \"public.nope\" does not exist"},
           {"bad_query", "division by zero"},
           {"nan", "reading the 2 rows copied from PostgreSQL"},
       }) {
    ProcessOptions o;
    o.env = {{"PG_PASSWORD", kPassword}, {"WRONG_PASSWORD", std::string("not-") + kPassword}};
    r = run_pond({"ingest", "-s", c.resource}, root_, o);
    EXPECT_EQ(r.exit_code, 1) << c.resource << ": " << r.out << r.err;
    std::string all = r.out + r.err;
    EXPECT_NE(all.find("ingest resource '" + c.resource + "'"), std::string::npos) << all;
    EXPECT_NE(all.find("pond.yml:"), std::string::npos) << "the resource's place: " << all;
    EXPECT_NE(all.find(c.says), std::string::npos) << all;
    EXPECT_EQ(all.find(kPassword), std::string::npos) << "the password is never shown: " << all;
  }
  EXPECT_EQ(snapshots(), before) << "no failed load committed anything";
}

TEST_F(IngestPostgres, PondYmlIsReadStrictly) {
  struct Case {
    std::string yaml, says;
  };
  for (const Case& c : std::vector<Case>{
           {"    connection: postgresql://app:hunter2@db/shop\n    source_table: t\n",
            "'connection:' holds a password"},
           {"    connection: \"host=db password=hunter2\"\n    source_table: t\n",
            "'connection:' holds a password"},
           {"    connection: postgresql://db/shop\n    password: hunter2\n    source_table: t\n",
            "'password:' is a secret"},
           {"    connection: postgresql://db/shop\n    source_table: t\n    query: select 1\n",
            "'source_table:' or 'query:', not both"},
           {"    connection: postgresql://db/shop\n", "needs 'source_table:' or 'query:'"},
           {"    connection: postgresql://db/shop\n    source_table: \"t; drop table x\"\n",
            "'source_table:' must be a table name as written in SQL"},
           {"    connection: postgresql://db/shop\n    source_table: t\n    incremental: {cursor: id, param: "
            "x}\n",
            "unknown key 'param'"},
           {"    connection: postgresql://db/shop\n    source_table: t\n    write: replace\n"
            "    incremental: {cursor: id}\n",
            "an incremental cursor belongs to append, merge and scd2"},
           {"    connection: postgresql://db/shop\n    source_table: t\n    path: x.csv\n",
            "unknown key 'path'"},
       }) {
    resources("  src:\n    from: postgres\n" + c.yaml);
    ProcessResult r = pond({"ingest"});
    EXPECT_EQ(r.exit_code, 2) << c.yaml << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.yaml << r.err;
    EXPECT_NE(r.err.find("pond.yml:"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  }
}

// A partitioned resource reads its day by `window: {column}` (the bound exclusive at the end) and
// replaces that day's rows when loaded again; a date column works as a timestamptz one.
TEST_F(IngestPostgres, PartitionWindowsSelectAndReplaceTheirDay) {
  sql("CREATE TABLE orders (id int PRIMARY KEY, created_at timestamptz NOT NULL, day date NOT NULL, v text);"
      "INSERT INTO orders VALUES (1, '2026-03-01 23:30:00+00', '2026-03-01', 'a'),"
      " (2, '2026-03-02 00:00:00+00', '2026-03-02', 'a'), (3, '2026-03-02 12:00:00+00', '2026-03-02', 'a'),"
      " (4, '2026-03-03 00:00:00+00', '2026-03-03', 'a')");
  resources(
      "  pg_orders:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    source_table: orders\n"
      "    partitions: daily\n"
      "    window: {column: created_at}\n"
      "  pg_by_day:\n"
      "    from: postgres\n"
      "    connection: \"{conn}\"\n"
      "    query: \"select id, day, v from orders\"\n"
      "    partitions: daily\n"
      "    window: {column: day}\n");
  ProcessResult r =
      pond({"backfill", "-s", "pg_orders", "-s", "pg_by_day", "--from", "2026-03-01", "--to", "2026-03-02"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, v, _pond_partition from raw.pg_orders order by id"),
            "1,a,2026-03-01\n2,a,2026-03-02\n3,a,2026-03-02");
  EXPECT_EQ(rows("select id, _pond_partition from raw.pg_by_day order by id"),
            "1,2026-03-01\n2,2026-03-02\n3,2026-03-02");
  sql("UPDATE orders SET v = 'b' WHERE id = 3; DELETE FROM orders WHERE id = 2");
  r = pond({"ingest", "-s", "pg_orders", "--partition", "2026-03-02"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select id, v from raw.pg_orders order by id"), "1,a\n3,b");
  EXPECT_EQ(
      rows("select partition_key, rows from raw._pond_loads where resource = 'pg_orders' order by loaded_at"),
      "2026-03-01,1\n2026-03-02,2\n2026-03-02,1");
}

}  // namespace

}  // namespace pond::test
