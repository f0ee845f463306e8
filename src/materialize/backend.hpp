#pragma once
// Where a target's relations live and how a change to one is committed. The materializations
// (model.cpp, incremental.cpp, microbatch.cpp, seed.cpp, snapshot.cpp) are written once
// against this interface, as DuckDB's Catalog is one interface over its storage backends:
// - DuckDbBackend: relations in the target's DuckDB database, changes in a DuckDB transaction;
// - LakeBackend (lake_backend.hpp): relations in the lake, each change one lake commit (a
//   snapshot), shown to the run's DuckDB connection as views.
// Reads always go through the session's DuckDB connection, where both kinds of relation are
// visible, so queries (the model's SQL, staging tables) are the same for every backend.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "materialize/relation.hpp"
#include "materialize/relation_cache.hpp"
#include "materialize/session.hpp"

namespace pond::materialize {

// What a write did: rows written (inserted, or deleted+inserted), and for the lake the
// snapshot it committed (nullopt when nothing was committed).
struct Write {
  std::uint64_t rows = 0;
  std::optional<std::int64_t> snapshot;
};

// The rows of a merge: target rows whose key columns equal a source row's take the source's
// `update_columns`; other source rows are inserted with `columns`.
struct MergeSpec {
  std::string source;  // a relation or subquery the source rows are read from
  std::vector<std::string> keys;
  std::vector<std::string> columns;
  std::vector<std::string> update_columns;
  std::vector<std::string> predicates;  // extra ON conditions (incremental_predicates)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;  // "duckdb" | "lake"

  // Whether the backend builds this relation (the lake: relations in its database).
  virtual bool holds(const Relation& rel) const = 0;
  // Whether several changes commit together (DuckDB: BEGIN ... COMMIT around a build). When
  // false every write below commits on its own (a lake snapshot), and a build that fails
  // after one commit leaves what that commit made.
  virtual bool transactional() const = 0;

  virtual RelationKind kind_of(Session& s, const Relation& rel) = 0;
  virtual std::vector<Column> columns_of(Session& s, const Relation& rel) = 0;
  virtual void ensure_schema(Session& s, const Relation& rel) = 0;

  // A view over `sql`; a table of that name is dropped first.
  virtual Write create_view(Session& s, const Relation& rel, const std::string& sql) = 0;
  // The relation becomes a table holding the query's rows; a view of that name is dropped.
  // `partition_by` (columns, or year/month/day/hour(column)) partitions the lake's files; a
  // DuckDB table has no partitions (dbt-duckdb applies partition_by to external models only).
  virtual Write replace_table(Session& s, const Relation& rel, const std::string& select,
                              const std::vector<std::string>& partition_by = {}) = 0;
  // Replaces every row of an existing table, keeping the table (dbt's seed "truncate and load").
  virtual Write overwrite(Session& s, const Relation& rel, const std::string& select) = 0;
  // INSERT INTO rel (columns) SELECT columns FROM source.
  virtual Write append(Session& s, const Relation& rel, const std::string& source,
                       const std::vector<std::string>& columns) = 0;
  // Deletes the rows matching `predicate` (over the target aliased DBT_INTERNAL_DEST) and
  // appends `columns` of `source`, as one change.
  virtual Write delete_insert(Session& s, const Relation& rel, const std::string& predicate,
                              const std::string& source, const std::vector<std::string>& columns) = 0;
  virtual Write merge(Session& s, const Relation& rel, const MergeSpec& merge) = 0;

  virtual void add_column(Session& s, const Relation& rel, const Column& column) = 0;
  virtual void drop_column(Session& s, const Relation& rel, const std::string& column) = 0;
  virtual void alter_column_type(Session& s, const Relation& rel, const Column& column) = 0;

  // COMMENT ON (persist_docs); a backend that cannot keep comments ignores them by design
  // (the lake keeps docs in the manifest).
  virtual void comment(Session& s, const Relation& rel, bool is_view, const std::string& column,
                       const std::string& text) = 0;
};

// The DuckDB database of the run's connection.
class DuckDbBackend final : public Backend {
 public:
  std::string_view name() const override { return "duckdb"; }
  bool holds(const Relation&) const override { return true; }
  bool transactional() const override { return true; }
  RelationKind kind_of(Session& s, const Relation& rel) override;
  std::vector<Column> columns_of(Session& s, const Relation& rel) override;
  void ensure_schema(Session& s, const Relation& rel) override;
  Write create_view(Session& s, const Relation& rel, const std::string& sql) override;
  Write replace_table(Session& s, const Relation& rel, const std::string& select,
                      const std::vector<std::string>& partition_by = {}) override;
  Write overwrite(Session& s, const Relation& rel, const std::string& select) override;
  Write append(Session& s, const Relation& rel, const std::string& source,
               const std::vector<std::string>& columns) override;
  Write delete_insert(Session& s, const Relation& rel, const std::string& predicate,
                      const std::string& source, const std::vector<std::string>& columns) override;
  Write merge(Session& s, const Relation& rel, const MergeSpec& merge) override;
  void add_column(Session& s, const Relation& rel, const Column& column) override;
  void drop_column(Session& s, const Relation& rel, const std::string& column) override;
  void alter_column_type(Session& s, const Relation& rel, const Column& column) override;
  void comment(Session& s, const Relation& rel, bool is_view, const std::string& column,
               const std::string& text) override;
};

// A DuckDB transaction around a build when the backend is transactional; otherwise nothing
// (each write commits itself). Rolls back on destruction unless committed.
class BuildTransaction {
 public:
  BuildTransaction(Session& session, Backend& backend);
  void commit();

 private:
  std::optional<Transaction> tx_;
};

}  // namespace pond::materialize
