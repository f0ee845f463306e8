#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.hpp"
#include "engine/result.hpp"
#include "materialize/relation.hpp"
#include "materialize/relation_cache.hpp"
#include "materialize/spec.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::materialize {

// A connection plus the log of every statement run through it, so that the SQL actually
// executed can be written to target/run/ and shown in errors. With a loaded RelationCache,
// existence checks cost no query; the materializations record what they build in it.
class Session {
 public:
  explicit Session(engine::Connection& con, RelationCache* cache = nullptr) : con_(con), cache_(cache) {}

  engine::Result run(std::string_view sql);
  // Runs a statement and returns DuckDB's changed-row count.
  std::uint64_t execute(std::string_view sql);
  // First column of the first row as an integer (0 when empty or NULL).
  std::int64_t scalar_int(std::string_view sql);

  RelationKind kind_of(const Relation& rel);
  std::vector<Column> columns_of(const Relation& rel);
  // Columns a query returns, without running it.
  std::vector<Column> columns_of_query(std::string_view sql);
  void ensure_schema(const Relation& rel);
  // Records in the cache (if any) that `rel` now is of `kind`; call after the commit.
  void remember(const Relation& rel, RelationKind kind);

  engine::Connection& connection() { return con_; }
  // What the session's lake commits record as their origin (JSON, e.g. the run and step; empty:
  // nothing), and whether they are parts of a larger change (a schema change before the data, a
  // microbatch batch) rather than the step's whole work.
  void set_commit_info(std::string info) { commit_info_ = std::move(info); }
  const std::string& commit_info() const { return commit_info_; }
  void set_partial_commits(bool partial) { partial_commits_ = partial; }
  bool partial_commits() const { return partial_commits_; }
  RelationCache* cache() const { return cache_; }
  // The node the statements run for, named in the debug log (dbt's "On model.x.y: ...").
  void set_label(std::string label) { label_ = std::move(label); }
  std::vector<ExecutedStatement>& log() { return log_; }
  // Work done outside run() (the lake's own writes): into the log and the debug log.
  void note(std::string sql, double seconds);

 private:
  engine::Connection& con_;
  RelationCache* cache_;
  std::vector<ExecutedStatement> log_;
  std::string commit_info_;
  std::string label_;
  bool partial_commits_ = false;
};

// BEGIN on construction, ROLLBACK on destruction unless commit() ran: a failing or interrupted
// build leaves the previous relation exactly as it was.
class Transaction {
 public:
  explicit Transaction(Session& session);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Session& session_;
  bool open_ = true;
};

using ::pond::strip_statement;

}  // namespace pond::materialize
