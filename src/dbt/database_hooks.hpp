#pragma once
// The compiler's execution-time questions answered from the target database (and its lake).
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "compile/compiler.hpp"
#include "materialize/lake_target.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::dbt {

// Answers the compiler's execution-time questions (is_incremental(), adapter.get_relation,
// get_columns_in_relation, run_query) from the target database as it is before the run. The
// compiler renders in parallel, so calls are serialized on one connection.
class DatabaseHooks : public compile::ExecutionHooks {
 public:
  DatabaseHooks(engine::Connection& con, bool full_refresh) : con_(con), full_refresh_(full_refresh) {}
  bool is_incremental(const project::Node& node) override;
  std::optional<std::string> relation_type(const std::string& database, const std::string& schema,
                                           const std::string& identifier) override;
  std::vector<compile::ColumnInfo> columns(const std::string& database, const std::string& schema,
                                           const std::string& identifier) override;
  compile::QueryResult run_query(const std::string& sql) override;
  // The lake's own kinds for its relations (DuckDB shows lake tables as views).
  std::vector<compile::RelationInfo> list_relations(const std::string& database,
                                                    const std::string& schema) override;
  // A lake relation is dropped from the lake (a commit), not only from DuckDB's view of it.
  bool drop_relation(const std::string& database, const std::string& schema,
                     const std::string& identifier) override;
  // A lake target's tables are views in DuckDB; the lake says which are tables.
  void set_lake(materialize::LakeTarget* lake) { lake_ = lake; }

  // While alive, the calling thread's questions go to `con` (a step's session, so that a hook
  // rendered inside the step's transaction sees and changes what the step does).
  class Redirect {
   public:
    Redirect(DatabaseHooks& hooks, engine::Connection& con);
    ~Redirect();
    Redirect(const Redirect&) = delete;
    Redirect& operator=(const Redirect&) = delete;

   private:
    DatabaseHooks& hooks_;
  };

 private:
  std::optional<std::string> relation_type_locked(const std::string& database, const std::string& schema,
                                                  const std::string& identifier);
  engine::Connection& con();  // with mutex_ held
  engine::Connection& con_;
  bool full_refresh_;
  std::mutex mutex_;
  std::map<std::thread::id, engine::Connection*> redirects_;
  materialize::LakeTarget* lake_ = nullptr;
};

}  // namespace pond::dbt
