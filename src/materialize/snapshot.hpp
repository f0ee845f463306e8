#pragma once
#include <optional>
#include <string>
#include <vector>

#include "materialize/backend.hpp"
#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize {

enum class SnapshotStrategy { kTimestamp, kCheck };
// ignore: deleted source rows stay current; invalidate: their dbt_valid_to is set;
// new_record: also a new row with dbt_is_deleted = 'True' (dbt 1.9).
enum class HardDeletes { kIgnore, kInvalidate, kNewRecord };

HardDeletes parse_hard_deletes(const std::string& s);

// A snapshot node: its select and how changes are detected.
struct SnapshotSpec {
  std::string unique_id;
  Relation relation;
  std::string compiled_sql;
  std::vector<std::string> unique_key;
  SnapshotStrategy strategy = SnapshotStrategy::kTimestamp;
  std::string updated_at;               // timestamp strategy
  std::vector<std::string> check_cols;  // check strategy; empty = all columns ('all')
  HardDeletes hard_deletes = HardDeletes::kIgnore;
  std::vector<Hook> pre_hooks;
  std::vector<Hook> post_hooks;
};

// Takes a snapshot (dbt's SCD type 2 table with dbt_scd_id, dbt_updated_at, dbt_valid_from,
// dbt_valid_to): the first run creates the table, later runs close changed/deleted rows and
// insert their new versions, as one change in `backend` (nothing changed: no change at all).
// rows_affected = rows inserted + closed.
MaterializeResult take_snapshot(Session& session, Backend& backend, const SnapshotSpec& spec,
                                const RunOptions& options);

}  // namespace pond::materialize
