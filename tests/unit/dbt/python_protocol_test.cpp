// pond's side of the Python model protocol (dbt/python_protocol.hpp) on a real DuckDB, and one
// whole run of the runtime by /usr/bin/python3 (dbt/python_model.hpp).
#include "dbt/python_protocol.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "common/error.hpp"
#include "dbt/python_model.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "support/temp_dir.hpp"

namespace pond::dbt {

namespace {

using nlohmann::json;

class PythonProtocol : public ::testing::Test {
 protected:
  PythonProtocol() : db_(engine::Database::open(":memory:")), con_(db_), session_(con_) {
    con_.execute("create table t as select * from (values (1, 'a'), (2, null), (3, 'c,\"d\"')) v(id, name)");
  }
  std::string value(const std::string& sql) {
    engine::Result r = con_.query(sql);
    auto chunk = r.next_chunk();
    return chunk && chunk->size() > 0 ? chunk->get<std::string>(0, 0) : "";
  }
  test::TempDir dir_;
  engine::Database db_;
  engine::Connection con_;
  materialize::Session session_;
};

TEST(PythonIsQuery, ByFirstWordAfterComments) {
  EXPECT_TRUE(is_query("select 1"));
  EXPECT_TRUE(is_query("  -- c\n /* x */ WITH a AS (select 1) select * from a"));
  EXPECT_TRUE(is_query("(select 1) union (select 2)"));
  EXPECT_TRUE(is_query("from t"));
  EXPECT_TRUE(is_query("describe t"));
  EXPECT_FALSE(is_query("create table x as select 1"));
  EXPECT_FALSE(is_query("insert into t values (1)"));
  EXPECT_FALSE(is_query("selective"));
  EXPECT_FALSE(is_query("-- only a comment"));
}

TEST_F(PythonProtocol, DescribeNamesColumnsAndTypes) {
  PythonRequests requests(session_, dir_.path(), "__t_");
  json r = requests.handle({{"op", "describe"}, {"sql", "select id, name from t;"}});
  EXPECT_EQ(r, json::parse(R"({"ok": true, "columns": [["id", "INTEGER"], ["name", "VARCHAR"]]})"));
}

TEST_F(PythonProtocol, FetchWritesCsvWithNullMarkerAndLimit) {
  PythonRequests requests(session_, dir_.path(), "__t_");
  std::string path = (dir_.path() / "a.csv").string();
  json r = requests.handle({{"op", "fetch"}, {"sql", "select * from t order by id"}, {"path", path}});
  EXPECT_TRUE(r["ok"].get<bool>());
  EXPECT_EQ(test::read_file(path), "id,name\n1,a\n2,\\N\n3,\"c,\"\"d\"\"\"\n");
  requests.handle({{"op", "fetch"}, {"sql", "select * from t order by id"}, {"path", path}, {"limit", 1}});
  EXPECT_EQ(test::read_file(path), "id,name\n1,a\n");
}

TEST_F(PythonProtocol, FilesOutsideTheWorkFolderAreRefused) {
  PythonRequests requests(session_, dir_.path(), "__t_");
  EXPECT_THROW(requests.handle({{"op", "fetch"}, {"sql", "select 1"}, {"path", "/tmp/../etc/x.csv"}}),
               UserError);
  EXPECT_THROW(requests.handle({{"op", "nonsense"}}), UserError);
  EXPECT_THROW(requests.handle({{"sql", "select 1"}}), UserError);
}

TEST_F(PythonProtocol, SqlErrorsAreAnswersNotExceptions) {
  PythonRequests requests(session_, dir_.path(), "__t_");
  json r = requests.handle({{"op", "describe"}, {"sql", "select nope from t"}});
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_NE(r["error"].get<std::string>().find("nope"), std::string::npos) << r;
}

TEST_F(PythonProtocol, ExecuteKeepsQueryResultsInTempTablesDroppedAfterwards) {
  {
    PythonRequests requests(session_, dir_.path(), "__t_");
    json made = requests.handle({{"op", "execute"}, {"sql", "create table u as select 1 as x"}});
    EXPECT_EQ(made, json::parse(R"({"ok": true})"));
    json q = requests.handle({{"op", "execute"}, {"sql", "select count(*) as n from t"}});
    EXPECT_EQ(q["table"], "__t_1");
    EXPECT_EQ(value("select n from __t_1"), "3");
  }
  EXPECT_EQ(value("select count(*) from duckdb_tables() where table_name like '__t_%'"), "0");
  EXPECT_EQ(value("select x from u"), "1");
}

TEST_F(PythonProtocol, CsvResultLoadsWithTheGivenTypes) {
  PythonRequests requests(session_, dir_.path(), "__t_");
  std::string path = (dir_.path() / "r.csv").string();
  std::ofstream(path) << "id,flag,day,name\n1,True,2024-01-01,\"x,y\"\n2,\\N,\\N,\n";
  json r = requests.handle(
      {{"op", "result"},
       {"kind", "csv"},
       {"path", path},
       {"columns",
        json::parse(R"([["id","BIGINT"],["flag","BOOLEAN"],["day","DATE"],["name","VARCHAR"]])")}});
  EXPECT_TRUE(r["ok"].get<bool>()) << r;
  ASSERT_TRUE(requests.result_sql());
  EXPECT_EQ(
      value(
          "select string_agg(concat_ws('|', id, flag, day, coalesce(name, 'NULL')), ';' order by id) from (" +
          *requests.result_sql() + ")"),
      "1|true|2024-01-01|x,y;2|");
}

TEST_F(PythonProtocol, RelationResultIsCheckedAndKept) {
  PythonRequests requests(session_, dir_.path(), "__t_");
  EXPECT_FALSE(requests.handle({{"op", "result"}, {"kind", "relation"}, {"sql", "select missing"}})["ok"]);
  EXPECT_FALSE(requests.result_sql());
  EXPECT_TRUE(requests.handle({{"op", "result"}, {"kind", "relation"}, {"sql", "select id from t"}})["ok"]);
  EXPECT_EQ(*requests.result_sql(), "select id from t");
  requests.handle({{"op", "error"}, {"traceback", "Traceback ..."}});
  EXPECT_EQ(*requests.traceback(), "Traceback ...");
}

// A whole run through the system's python3 (no pandas needed: a list of tuples and fetchall).
TEST_F(PythonProtocol, RuntimeRunsAModelThroughPython) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  setenv("POND_PYTHON", "/usr/bin/python3", 1);
  PythonModelRun run;
  run.code =
      "def model(dbt, session):\n"
      "    rows = dbt.ref('t').filter('id > 1').order('id').fetchall()\n"
      "    print('hello from the model')\n"
      "    return [(i * 10, n) for i, n in rows]\n"
      "__pond_dbt__ = {'refs': {'t': 't'}, 'sources': {}, 'config': {}, 'is_incremental': False,\n"
      "  'this': {'database': 'memory', 'schema': 'main', 'identifier': 'm', 'rendered': 'm'}}\n";
  run.display_path = "models/m.py";
  run.name = "m";
  run.project_root = dir_.path();
  run.work_root = dir_.path() / "target" / "python";
  std::atomic<bool> cancelled{false};
  {
    PythonModel model(session_, run);
    std::string sql = model.run(cancelled);
    EXPECT_EQ(value("select string_agg(col0 || ':' || coalesce(col1, 'NULL'), ';' order by col0) from (" +
                    sql + ")"),
              "20:NULL;30:c,\"d\"");
  }
  EXPECT_TRUE(std::filesystem::is_empty(run.work_root));  // the work folder is gone

  run.code = "def model(dbt, session):\n    return 1 / 0\n" + run.code.substr(run.code.find("__pond_dbt__"));
  PythonModel failing(session_, run);
  try {
    failing.run(cancelled);
    FAIL() << "a failing model must throw";
  } catch (const UserError& e) {
    EXPECT_NE(e.message().find("File \"models/m.py\", line 2, in model"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("ZeroDivisionError"), std::string::npos) << e.message();
    EXPECT_EQ(e.message().find("python_runtime.py"), std::string::npos) << e.message();
    EXPECT_EQ(e.exit_code(), ExitCode::kStepFailed);
  }
  unsetenv("POND_PYTHON");
}

}  // namespace

}  // namespace pond::dbt
