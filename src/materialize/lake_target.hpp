#pragma once
// Models into the lake: a duckdb target with `lake:` keeps its tables, views, seeds and
// snapshots in the lake (docs/lake.md, "Models into the lake"). The run's DuckDB database is
// in memory; the lake's tables appear in it as views at a pinned snapshot, so ref() reads
// the lake and nothing blocks readers in other processes.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "lake/lake.hpp"
#include "materialize/relation.hpp"

namespace pond::engine {
class Connection;
class Database;
}  // namespace pond::engine

namespace pond::materialize {

// What the lake holds under a name.
enum class LakeKind { kTable, kView };

// One run's lake: opens the catalog, exposes it in DuckDB connections, and keeps the DuckDB
// views in step with each commit. Thread-safe: each call opens its own catalog connection
// (SQLite/PostgreSQL), except a DuckDB-file catalog, which one process can open only once
// and is therefore shared under a lock.
class LakeTarget {
 public:
  // `database`: the DuckDB catalog the models' relations name (the target's database).
  LakeTarget(lake::LakeConfig config, std::string database);
  ~LakeTarget();
  LakeTarget(const LakeTarget&) = delete;
  LakeTarget& operator=(const LakeTarget&) = delete;

  const std::string& database() const { return database_; }
  // Whether a relation lives in the lake (its database is the target's, or empty).
  bool holds(const Relation& rel) const;
  // "schema.identifier", the lake's name of a relation.
  static std::string lake_name(const Relation& rel);

  // Runs `fn` with an open lake.
  void with_lake(const std::function<void(lake::Lake&)>& fn);
  // Runs `fn` with an open lake while holding the write lock of lake table `name` (waits for
  // another writer of it; `holder` tells a waiting writer who this is).
  void with_table(const std::string& name, const std::string& holder,
                  const std::function<void(lake::Lake&)>& fn);

  // Creates a view per lake table and view in the connection's catalog `database()` at the
  // latest snapshot, and remembers what the lake holds. Returns the snapshot.
  std::int64_t expose(engine::Connection& con);
  // Reads what the lake holds now (expose() does it too).
  void load_kinds();
  // What the lake held at expose()/load_kinds() or has been given since (nullopt: nothing by that name).
  std::optional<LakeKind> kind(const std::string& schema, const std::string& identifier) const;

  // After a commit: the DuckDB view of `rel` reads the lake table at `snapshot`.
  void show_table(engine::Connection& con, lake::Lake& lake, const Relation& rel, std::int64_t snapshot);
  // After a commit of a lake view: the same view in DuckDB.
  void show_view(engine::Connection& con, const Relation& rel, const std::string& sql);
  // Drops a lake table or view (one commit) and its DuckDB view (adapter.drop_relation on a lake
  // relation). False when the lake holds nothing by that name.
  bool drop(engine::Connection& con, const Relation& rel, const std::string& holder);

 private:
  void remember(const std::string& schema, const std::string& identifier, std::optional<LakeKind> kind);
  void create_schema(engine::Connection& con, const Relation& in_db);

  lake::LakeConfig config_;
  std::string database_;
  bool shared_ = false;  // DuckDB-file catalog: one Lake for the process
  std::unique_ptr<lake::Lake> shared_lake_;
  std::mutex lake_mutex_;
  mutable std::mutex kinds_mutex_;
  // Two steps creating the schema of their views at once: DuckDB fails the second with a
  // write-write conflict while the first has not committed, so they take turns.
  std::mutex schema_mutex_;
  std::map<std::pair<std::string, std::string>, LakeKind> kinds_;
};

// ATTACHes an in-memory catalog named `database` to a fresh in-memory DuckDB and makes it
// every connection's default (`USE`), so the models' three-part names resolve there.
// `database` "memory" is DuckDB's own default catalog and needs no attach.
void prepare_memory_database(engine::Database& db, const std::string& database);

}  // namespace pond::materialize
