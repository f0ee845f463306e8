#pragma once
// Session snapshot pinning: `SET pond.snapshot = N`, `SET pond.as_of = 'timestamp'`,
// `RESET pond.snapshot` (or `pond.as_of`, or `SET pond.snapshot = latest`), `SHOW pond.snapshot`.
// Read here; the session resolves the snapshot and points its connection at the lake's views
// at that snapshot (LakeViews::pinned_catalog).
#include <optional>
#include <string>
#include <string_view>

#include "lake/lake.hpp"

namespace pond::serve {

struct SnapshotPinStatement {
  enum class Kind { kSet, kReset, kShow } kind = Kind::kShow;
  lake::SnapshotRef ref;  // kSet: the snapshot id or the timestamp asked for
  std::string sql;        // what DuckDB runs for it (the session variable SHOW reads)
  std::string tag;        // SET, RESET or SHOW
};

// nullopt for any other statement; a bad value is a SqlError (22023) naming what is expected.
std::optional<SnapshotPinStatement> snapshot_pin_statement(std::string_view sql);

// The SQL that records the pinned snapshot id in the session (what SHOW pond.snapshot reads).
std::string record_pinned_snapshot_sql(std::int64_t snapshot);

}  // namespace pond::serve
