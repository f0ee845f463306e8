#pragma once
// Pieces shared by the materialization files; not part of the public interface.
#include <string>
#include <vector>

#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize::detail {

void run_hooks(Session& session, const std::vector<Hook>& hooks, bool in_transaction);
// COMMENT ON TABLE/VIEW and COMMENT ON COLUMN for persist_docs.
void persist_docs(Session& session, const ModelSpec& spec, bool is_view);
// Drops `rel` if it exists with the other kind (a view where a table goes, or the reverse).
void drop_if_kind(Session& session, const Relation& rel, RelationKind kind);
// CREATE OR REPLACE TABLE rel AS (sql); returns the row count.
std::uint64_t create_table_as(Session& session, const Relation& rel, const std::string& sql);

MaterializeResult build_incremental(Session& session, const ModelSpec& spec, const RunOptions& options);
MaterializeResult build_microbatch(Session& session, const ModelSpec& spec, const RunOptions& options);
MaterializeResult build_external(Session& session, const ModelSpec& spec, const RunOptions& options);

// The temp relation holding the new rows of an incremental build (per connection).
Relation temp_relation(const Relation& target, const std::string& suffix = "__dbt_tmp");

// Applies on_schema_change between the new rows (temp) and the target; returns the columns
// to insert (dbt's dest_columns).
std::vector<std::string> process_schema_changes(Session& session, const ModelSpec& spec,
                                                const Relation& temp);

// INSERT INTO target (cols) SELECT cols FROM source; returns rows inserted.
std::uint64_t insert_from(Session& session, const Relation& target, const Relation& source,
                          const std::vector<std::string>& columns);

std::string and_join(const std::vector<std::string>& parts);

}  // namespace pond::materialize::detail
