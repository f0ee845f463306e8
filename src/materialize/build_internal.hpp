#pragma once
// Pieces shared by the materialization files; not part of the public interface (included only
// from src/materialize/).
#include <string>
#include <vector>

#include "materialize/backend.hpp"
#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize::detail {

void run_hooks(Session& session, const std::vector<Hook>& hooks, bool in_transaction);
// persist_docs: the relation's and columns' descriptions as the backend keeps comments.
void persist_docs(Session& session, Backend& backend, const ModelSpec& spec, bool is_view);
// Drops `rel` from DuckDB if it exists with the other kind (a view where a table goes, or the reverse).
void drop_if_kind(Session& session, const Relation& rel, RelationKind kind);
// CREATE OR REPLACE TABLE rel AS (sql) in DuckDB; returns the row count.
std::uint64_t create_table_as(Session& session, const Relation& rel, const std::string& sql);

MaterializeResult build_incremental(Session& session, Backend& backend, const ModelSpec& spec,
                                    const RunOptions& options);
MaterializeResult build_microbatch(Session& session, Backend& backend, const ModelSpec& spec,
                                   const RunOptions& options);
// External models write files and a DuckDB view over them (DuckDB only).
MaterializeResult build_external(Session& session, const ModelSpec& spec, const RunOptions& options);

// The temp relation holding the new rows of an incremental build (per connection).
Relation temp_relation(const Relation& target, const std::string& suffix = "__dbt_tmp");

// How the new rows' columns differ from the target's.
struct SchemaChange {
  std::vector<Column> added;    // in the new rows only
  std::vector<Column> removed;  // in the target only
  std::vector<Column> retyped;  // in both, with the new rows' type
};
SchemaChange diff_columns(const std::vector<Column>& target, const std::vector<Column>& source);

// Applies on_schema_change between the new rows (temp) and the target through the backend;
// returns the columns to insert (dbt's dest_columns). 'fail' throws UserError listing the change.
std::vector<std::string> process_schema_changes(Session& session, Backend& backend, const ModelSpec& spec,
                                                const Relation& temp);
// merge_update_columns, else every column but merge_exclude_columns.
std::vector<std::string> merge_update_columns(const ModelSpec& spec, const std::vector<std::string>& dest);
// The rows of the target whose unique key is among the temp relation's (alias DBT_INTERNAL_DEST).
std::string unique_key_predicate(const std::vector<std::string>& keys, const Relation& temp);

// INSERT INTO target (cols) SELECT cols FROM source; returns rows inserted.
std::uint64_t insert_from(Session& session, const Relation& target, const std::string& source,
                          const std::vector<std::string>& columns);

std::string and_join(const std::vector<std::string>& parts);

}  // namespace pond::materialize::detail
