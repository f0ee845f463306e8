// A load of a `from: delta` resource: the Delta table's snapshot (delta_log.cpp) read with
// DuckDB (delta_scan.cpp) into the resource's table, and the Delta version loaded recorded in
// `_pond_load_cursors` in the same commit (cursor_path `delta:<the table's id>`).
//
// replace (the default): the lake table is the Delta table at its latest version (or
// `version:`); a version loaded before is not loaded again. append and merge: the rows of the
// files that the commits since the last loaded version add with new data (dataChange), as
// Delta's streaming source reads them; append refuses a commit that deletes or rewrites rows,
// merge upserts rewritten rows by their key (deleted rows stay).
#include <chrono>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/delta_log.hpp"
#include "ingest/delta_scan.hpp"
#include "ingest/load_internal.hpp"

namespace pond::ingest {

namespace fs = std::filesystem;

LoadResult load_delta(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                      const LoadOptions& o) {
  auto started = std::chrono::steady_clock::now();
  LoadResult result;
  const std::string table = r.qualified_table();
  const std::string who = "ingest resource '" + r.name + "'";
  fs::path root = fs::path(r.path).is_absolute() ? fs::path(r.path) : o.project_root / r.path;
  DeltaSnapshot snap = read_delta_snapshot(con, root, r.delta_version, who);
  check_delta_protocol(snap, who);
  result.files_seen = static_cast<std::int64_t>(snap.files.size());
  result.cursor = std::to_string(snap.version);
  auto done = [&] {
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };

  const std::string cursor_path = "delta:" + snap.metadata.id;
  std::optional<std::int64_t> last;
  if (auto text = last_cursor(lake, con, r.schema, r.name, table, cursor_path)) {
    try {
      last = std::stoll(*text);
    } catch (const std::exception&) {
      throw UserError(
          who + ": the Delta version in " + r.schema + "." + kLoadCursorsTable + " is not a number: " + *text,
          "delete the resource's rows of that table to load the Delta table again", ExitCode::kStepFailed);
    }
  }
  if (last && *last == snap.version) {
    done();
    log::info("ingest {}: Delta version {} of {} loaded before; nothing to do", r.name, snap.version, r.path);
    return result;
  }
  std::vector<DeltaFile> files = snap.files;
  if (last && r.write != WriteDisposition::kReplace) {
    if (*last > snap.version)
      throw UserError(who + ": version " + std::to_string(snap.version) + " of the Delta table " + r.path +
                          " is older than version " + std::to_string(*last) + " loaded before",
                      "write: " + std::string(write_name(r.write)) +
                          " loads only newer versions; use write: replace to load an older one",
                      ExitCode::kStepFailed);
    // The files the commits since bring (dataChange adds; OPTIMIZE's rewrites are not new data).
    DeltaChanges changes = read_delta_changes(root, *last, snap.version, who);
    if (r.write == WriteDisposition::kAppend && changes.first_removal)
      throw UserError(
          who + ": commit " + std::to_string(*changes.first_removal) + " of the Delta table " + r.path +
              " deletes or rewrites rows loaded before (a remove with dataChange); write: append cannot "
              "apply that",
          "use write: replace (the table as it is), or write: merge with primary_key (updates "
          "upserted)",
          ExitCode::kStepFailed);
    files = std::move(changes.added);
  }

  DeltaScan scan(con, snap, files, who);
  CommitPlan plan;
  plan.resource = &r;
  plan.reader = &r;
  plan.select = [&scan](bool with_filename) { return scan.sql(with_filename); };
  plan.record.load_id = random_uuid();
  plan.record.resource = r.name;
  plan.record.table = table;
  plan.record.run_id = o.run_id;
  plan.record.loaded_at = sql_utc_now();
  plan.record.write = write_name(r.write);
  for (const auto& f : files) {
    SourceFile s;
    s.path = f.path;
    s.size = f.size;
    plan.record.files.push_back(s);
    result.files.push_back(f.path);
    result.bytes += f.size;
  }
  lake::TableWrite cursor;
  cursor.table = r.schema + "." + kLoadCursorsTable;
  cursor.select_sql = load_cursor_sql(plan.record, cursor_path, result.cursor);
  plan.bookkeeping.push_back(std::move(cursor));
  plan.read_failed = [&](const std::string& failure) {
    throw UserError(who + ": reading version " + std::to_string(snap.version) + " of the Delta table " +
                        snap.table.string() + ": " + short_engine_message(failure),
                    "the data files do not match the table's schema; check the table with its writer",
                    ExitCode::kStepFailed);
  };
  commit_into(lake, con, std::move(plan), result);
  done();
  log::info("ingest {}: {} rows from {} file(s) of Delta version {} into {} (snapshot {}, {:.2f}s)", r.name,
            result.rows, files.size(), snap.version, table, *result.snapshot, result.seconds);
  return result;
}

}  // namespace pond::ingest
