#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lake/catalog.hpp"
#include "lake/catalog_db.hpp"

namespace pond::lake {

// What a commit touches, for the conflict rules checked against snapshots committed since
// the writer's base snapshot (see docs/lake.md).
struct CommitIntent {
  std::set<std::int64_t> inserts;   // tables appended to
  std::set<std::int64_t> deletes;   // tables deleted from (positional deletes, overwrite)
  std::set<std::int64_t> alters;    // tables whose schema or partitioning changes
  std::set<std::int64_t> drops;     // tables dropped
  std::set<std::int64_t> compacts;  // tables whose files are rewritten
  std::set<std::int64_t> view_changes;
  std::set<std::int64_t> schemas_used;  // existing schemas something is created in
  std::set<std::string> created_names;  // "created_schema:\"x\"", "created_table:\"s\".\"t\"", ...
};

// State of one commit attempt inside the catalog transaction: the new snapshot's id and
// the id counters, which ops draw from, and the changes_made entries they record.
struct CommitContext {
  CatalogDb& db;
  CatalogReader reader;
  std::int64_t snapshot_id = 0;  // the snapshot being written
  std::int64_t next_catalog_id = 0;
  std::int64_t next_file_id = 0;
  bool schema_changed = false;
  std::set<std::int64_t> tables_with_new_schema;  // ducklake_schema_versions rows to add
  std::vector<std::string> changes;

  std::int64_t new_catalog_id() { return next_catalog_id++; }
  std::int64_t new_file_id() { return next_file_id++; }
  void change(const std::string& entry);
};

// The operations of one commit; they run inside the catalog transaction and may run again
// (against a newer snapshot) when another writer won the race for the snapshot id.
using CommitOps = std::function<void(CommitContext&)>;

struct CommitOptions {
  std::optional<std::string> author;
  std::optional<std::string> message;
  std::optional<std::string>
      extra_info;  // commit_extra_info: what wrote the snapshot (pond: run and step, JSON)
  int max_retries = 20;
};

// Commits `ops` as one snapshot in one catalog transaction. Throws UserError when a
// snapshot committed after `base_snapshot` conflicts with `intent`; retries on races.
// Returns the new snapshot id.
std::int64_t run_commit(CatalogDb& db, std::int64_t base_snapshot, const CommitIntent& intent,
                        const CommitOps& ops, const CommitOptions& options = {});

// changes_made as DuckDB's ducklake_snapshots() shows it: "{tables_created=[sales.orders],
// tables_inserted_into=[2]}" (kinds in order of first appearance, names unquoted).
std::string changes_summary(const std::string& changes_made);

// Splits a changes_made value at top-level commas (names are double-quoted).
std::vector<std::string> split_changes(const std::string& changes);

}  // namespace pond::lake
