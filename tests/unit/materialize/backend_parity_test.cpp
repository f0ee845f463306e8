// The DuckDB and lake backends give the same result for every on_schema_change mode: the same
// rows and column types, or the same kind of failure.
#include <gtest/gtest.h>

#include <memory>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "materialize/lake_backend.hpp"
#include "materialize/model.hpp"
#include "support/temp_dir.hpp"

namespace pond::materialize {
namespace {

struct Scenario {
  const char* name;
  std::vector<std::string> queries;  // built one after the other
};

// A run's database and backend: DuckDB itself, or a lake shown in an in-memory DuckDB.
class Target {
 public:
  explicit Target(bool lake) : db_(engine::Database::open(":memory:")) {
    if (lake) {
      lake::LakeConfig c;
      c.catalog = "sqlite:lake/catalog.sqlite";
      c.data_path = "lake/data/";
      c.base_dir = dir_.path();
      prepare_memory_database(db_, "shop");
      lake_ = std::make_unique<LakeTarget>(c, "shop");
      con_ = std::make_unique<engine::Connection>(db_);
      lake_->expose(*con_);
      backend_ = std::make_unique<LakeBackend>(*lake_);
      database_ = "shop";
    } else {
      con_ = std::make_unique<engine::Connection>(db_);
      backend_ = std::make_unique<DuckDbBackend>();
    }
  }

  // The table after building `queries` in turn ("rows | types"), or the kind of the first error.
  std::string run(OnSchemaChange mode, const std::vector<std::string>& queries) {
    ModelSpec spec;
    spec.unique_id = "model.shop.inc";
    spec.relation = {database_, "main", "inc"};
    spec.materialized = Materialized::kIncremental;
    spec.strategy = IncrementalStrategy::kAppend;
    spec.on_schema_change = mode;
    try {
      for (const auto& q : queries) {
        spec.compiled_sql = q;
        Session s(*con_);
        materialize_model(s, *backend_, spec, {});
      }
    } catch (const UserError& e) {
      // on_schema_change=fail's own error; any other is the database refusing the rows (the
      // lake reports DuckDB's error with the lake table named).
      return std::string(e.what()).find("out of sync") != std::string::npos ? "fails: schemas out of sync"
                                                                            : "fails: database error";
    } catch (const engine::EngineError&) {
      return "fails: database error";
    }
    std::string out;
    for (auto& row : con_->query("select * from main.inc order by all").rows_as_text()) {
      for (auto& v : row) out += v.value_or("NULL") + ",";
      out += ";";
    }
    out += " |";
    for (auto& row : con_->query("select column_name, data_type from information_schema.columns where "
                                 "table_name = 'inc' order by ordinal_position")
                         .rows_as_text())
      out += " " + row[0].value_or("") + " " + row[1].value_or("");
    return out;
  }

 private:
  test::TempDir dir_;
  engine::Database db_;
  std::unique_ptr<LakeTarget> lake_;
  std::unique_ptr<engine::Connection> con_;
  std::unique_ptr<Backend> backend_;
  std::string database_;
};

TEST(BackendParity, OnSchemaChangeGivesTheSameResultOnDuckDbAndTheLake) {
  const std::vector<Scenario> scenarios = {
      {"added column", {"select 1 as k, 10 as n", "select 2 as k, 20 as n, 'x' as extra"}},
      {"removed column", {"select 1 as k, 10 as n, 'a' as v", "select 2 as k, 20 as n"}},
      {"widened type", {"select 1 as k, 10::INTEGER as n", "select 2 as k, 5000000000::BIGINT as n"}},
      {"changed type", {"select 1 as k, 10 as n", "select 2 as k, 'twenty' as n"}},
      {"all at once", {"select 1 as k, 10 as n, 'a' as v", "select 2 as k, 2.5::DOUBLE as n, 'x' as extra"}},
  };
  const std::vector<std::pair<const char*, OnSchemaChange>> modes = {
      {"ignore", OnSchemaChange::kIgnore},
      {"fail", OnSchemaChange::kFail},
      {"append_new_columns", OnSchemaChange::kAppendNewColumns},
      {"sync_all_columns", OnSchemaChange::kSyncAllColumns}};
  for (const auto& sc : scenarios) {
    for (const auto& [mode_name, mode] : modes) {
      std::string duckdb = Target(false).run(mode, sc.queries);
      std::string lake = Target(true).run(mode, sc.queries);
      EXPECT_EQ(duckdb, lake) << sc.name << ", on_schema_change=" << mode_name;
      if (std::string(sc.name) == "all at once" && mode == OnSchemaChange::kSyncAllColumns) {
        EXPECT_EQ(lake, "1,10,NULL,;2,2.5,x,; | k INTEGER n DOUBLE extra VARCHAR");
      }
      if (std::string(sc.name) == "changed type" && mode == OnSchemaChange::kSyncAllColumns) {
        EXPECT_EQ(lake, "1,10,;2,twenty,; | k INTEGER n VARCHAR");
      }
      if (mode == OnSchemaChange::kFail) {
        EXPECT_EQ(lake, "fails: schemas out of sync") << sc.name;
      }
    }
  }
}

}  // namespace
}  // namespace pond::materialize
