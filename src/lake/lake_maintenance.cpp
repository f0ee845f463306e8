// Lake maintenance: compaction, snapshot expiry and file cleanup.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "lake/catalog_ops.hpp"
#include "lake/lake.hpp"
#include "lake/lake_internal.hpp"
#include "lake/sql_text.hpp"
#include "lake/writer.hpp"
#include "storage/file_system.hpp"

namespace pond::lake {

namespace fs = std::filesystem;

CommitResult Lake::compact(engine::Connection& con, const std::string& name) {
  refuse_if_encrypted("compact");
  Snapshot base = latest_snapshot();
  Table t = table(name, SnapshotRef{base.id, std::nullopt});
  CatalogReader r = reader();
  std::vector<DataFile> old_files = r.data_files(t.id, base.id);
  std::vector<DeleteFile> old_deletes = r.delete_files(t.id, base.id);
  CommitResult result;
  result.snapshot_id = base.id;
  // One file per partition is what compaction produces; nothing to gain otherwise.
  std::set<std::optional<std::int64_t>> partitions;
  if (old_files.size() < 2 && old_deletes.empty()) return result;
  std::vector<WrittenFile> files;
  try {
    ScanPlan plan = ScanBuilder(r, data_root_, path_resolver(), files_.get()).build(t, base.id);
    files = write_data_files(con, plan.sql, t, table_directory(data_root_, t), *files_);
  } catch (const engine::EngineError& e) {
    throw UserError(
        fmt::format("compacting table {} (at snapshot {}): {}", t.qualified_name(), base.id, e.what()),
        ExitCode::kStepFailed);
  }
  CommitIntent intent;
  intent.compacts.insert(t.id);
  WrittenGuard guard(*files_);
  guard.add(files);
  {
    result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
      std::int64_t live = 0;
      std::map<std::int64_t, std::int64_t> deleted;
      for (const auto& d : old_deletes) deleted[d.data_file_id] = d.delete_count;
      for (const auto& f : old_files) {
        end_data_file(ctx, t, f);
        live += f.record_count - deleted[f.id];
      }
      adjust_record_count(ctx, t.id, -live);
      result.rows_written = add_data_files(ctx, t, files, false);
      ctx.change("compacted_table:" + std::to_string(t.id));
    });
  }
  guard.committed();
  result.files_written = static_cast<std::int64_t>(files.size());
  return result;
}

std::int64_t Lake::expire(const std::string& older_than) {
  CatalogDb& db = *db_;
  CatalogTransaction tx(db, true);
  CatalogReader r(db);
  Snapshot latest = r.latest_snapshot();
  std::vector<std::int64_t> kept;
  std::vector<std::int64_t> expired;
  for (const auto& s : r.snapshots()) {
    if (s.id != latest.id && s.time < older_than)
      expired.push_back(s.id);
    else
      kept.push_back(s.id);
  }
  if (expired.empty()) return 0;
  for (std::int64_t id : expired) {
    db.execute("DELETE FROM ducklake_snapshot WHERE snapshot_id = ?", {id});
    db.execute("DELETE FROM ducklake_snapshot_changes WHERE snapshot_id = ?", {id});
  }
  // A row ended at E is visible in [begin, E); it is needed only if a kept snapshot is in that range.
  auto needed = [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t k : kept)
      if (k >= begin && k < end) return true;
    return false;
  };
  // Paths of scheduled files are stored relative to the data path (the table row may go too).
  std::map<std::int64_t, std::string> table_dirs;
  for (auto& row : db.query("SELECT t.table_id, s.path, s.path_is_relative, t.path, t.path_is_relative FROM "
                            "ducklake_table t JOIN ducklake_schema s ON s.schema_id = t.schema_id")) {
    Table probe;
    probe.schema_path = row[1].value_or("");
    probe.schema_path_is_relative = to_bool(row[2], true);
    probe.path = row[3].value_or("");
    probe.path_is_relative = to_bool(row[4], true);
    table_dirs[to_int(row[0])] = table_directory("", probe);
  }
  const std::string now = sql_utc_now();
  auto schedule = [&](std::int64_t id, std::int64_t table_id, const std::string& path, bool relative) {
    std::string stored = relative ? storage::join_path(table_dirs[table_id], path) : path;
    db.execute(
        "INSERT INTO ducklake_files_scheduled_for_deletion (data_file_id, path, path_is_relative, "
        "schedule_start) "
        "VALUES (?, ?, ?, ?)",
        {id, stored, relative, now});
  };
  for (auto& row :
       db.query("SELECT data_file_id, table_id, begin_snapshot, end_snapshot, path, path_is_relative FROM "
                "ducklake_data_file WHERE end_snapshot IS NOT NULL")) {
    if (needed(to_int(row[2]), to_int(row[3]))) continue;
    std::int64_t id = to_int(row[0]);
    schedule(id, to_int(row[1]), row[4].value_or(""), to_bool(row[5], true));
    db.execute("DELETE FROM ducklake_data_file WHERE data_file_id = ?", {id});
    db.execute("DELETE FROM ducklake_file_column_stats WHERE data_file_id = ?", {id});
    db.execute("DELETE FROM ducklake_file_partition_value WHERE data_file_id = ?", {id});
  }
  for (auto& row :
       db.query("SELECT delete_file_id, table_id, begin_snapshot, end_snapshot, path, path_is_relative "
                "FROM ducklake_delete_file WHERE end_snapshot IS NOT NULL")) {
    if (needed(to_int(row[2]), to_int(row[3]))) continue;
    std::int64_t id = to_int(row[0]);
    schedule(id, to_int(row[1]), row[4].value_or(""), to_bool(row[5], true));
    db.execute("DELETE FROM ducklake_delete_file WHERE delete_file_id = ?", {id});
  }
  tx.commit();
  return static_cast<std::int64_t>(expired.size());
}

CleanupResult Lake::cleanup(bool dry_run, std::int64_t min_age_seconds) {
  CatalogDb& db = *db_;
  storage::FileSystem& files = *files_;
  CleanupResult result;
  // 1. Files expire scheduled.
  std::vector<std::pair<std::int64_t, std::string>> scheduled;
  for (auto& row :
       db.query("SELECT data_file_id, path, path_is_relative FROM ducklake_files_scheduled_for_deletion"))
    scheduled.emplace_back(to_int(row[0]), row[1].value_or(""));
  // 2. Orphans: files under the data path that no catalog row names (e.g. from a writer
  // killed before its commit). Young files may belong to a commit in flight: keep them.
  std::set<std::string> referenced;
  {
    CatalogTransaction tx(db, false);
    std::map<std::int64_t, std::string> table_dirs;
    for (auto& row :
         db.query("SELECT t.table_id, s.path, s.path_is_relative, t.path, t.path_is_relative FROM "
                  "ducklake_table t JOIN ducklake_schema s ON s.schema_id = t.schema_id")) {
      Table probe;
      probe.schema_path = row[1].value_or("");
      probe.schema_path_is_relative = to_bool(row[2], true);
      probe.path = row[3].value_or("");
      probe.path_is_relative = to_bool(row[4], true);
      table_dirs[to_int(row[0])] = table_directory(data_root_, probe);
    }
    for (const char* t : {"ducklake_data_file", "ducklake_delete_file"}) {
      for (auto& row : db.query(std::string("SELECT table_id, path, path_is_relative FROM ") + t)) {
        std::string p = row[1].value_or("");
        referenced.insert(
            fs::path(to_bool(row[2], true) ? storage::join_path(table_dirs[to_int(row[0])], p) : p)
                .lexically_normal()
                .string());
      }
    }
  }
  auto now = std::chrono::system_clock::now();
  std::set<std::string> scheduled_paths;
  for (const auto& [id, rel] : scheduled)
    scheduled_paths.insert(fs::path(files.full_path(rel)).lexically_normal().string());
  for (const auto& entry : files.list("")) {
    std::string full = fs::path(files.full_path(entry.relative_path)).lexically_normal().string();
    if (referenced.count(full) || scheduled_paths.count(full)) continue;
    if (entry.relative_path.find(".parquet") == std::string::npos) continue;
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - entry.modified).count();
    if (age < min_age_seconds) continue;
    result.removed.push_back(entry.relative_path);
    result.bytes += static_cast<std::int64_t>(entry.size);
    if (!dry_run) files.remove(entry.relative_path);
  }
  for (const auto& [id, rel] : scheduled) {
    if (files.exists(rel)) {
      result.bytes += static_cast<std::int64_t>(files.size(rel));
      if (!dry_run) files.remove(rel);
    }
    result.removed.push_back(rel);
    if (!dry_run)
      db.execute("DELETE FROM ducklake_files_scheduled_for_deletion WHERE data_file_id = ? AND path = ?",
                 {id, rel});
  }
  return result;
}

RetentionResult Lake::apply_retention(std::chrono::seconds max_age, int min_snapshots, bool dry_run,
                                      std::int64_t orphan_min_age_seconds) {
  RetentionResult result;
  std::vector<Snapshot> all = snapshots();
  std::string cutoff = sql_utc(std::chrono::system_clock::now() - max_age);
  cutoff = cutoff.substr(0, cutoff.size() - 3);  // without "+00": the catalog's text compares as UTC
  // The oldest of the newest `min_snapshots` bounds the cutoff too: it and every newer one stay.
  if (min_snapshots > 0 && all.size() >= static_cast<std::size_t>(min_snapshots)) {
    const std::string& floor = all[all.size() - static_cast<std::size_t>(min_snapshots)].time;
    if (floor < cutoff) cutoff = floor;
  } else {
    cutoff.clear();  // fewer snapshots than the minimum: nothing expires
  }
  std::int64_t expiring = 0;
  for (std::size_t i = 0; i + 1 < all.size(); ++i)
    if (!cutoff.empty() && all[i].time < cutoff) ++expiring;
  result.snapshots_kept = static_cast<std::int64_t>(all.size()) - expiring;
  if (dry_run) {
    result.snapshots_expired = expiring;
    return result;
  }
  if (expiring > 0) result.snapshots_expired = expire(cutoff);
  CleanupResult c = cleanup(false, orphan_min_age_seconds);
  result.files_deleted = static_cast<std::int64_t>(c.removed.size());
  result.bytes_deleted = c.bytes;
  return result;
}

std::string Lake::relocate(const std::string& data_path) {
  std::string target = data_path.empty() ? data_root_ : absolute_data_path(data_path);
  auto files = std::make_unique<storage::LocalFileSystem>(target);
  if (target.find("://") == std::string::npos && !fs::is_directory(target))
    throw UserError("cannot relocate the lake to " + target + ": no such folder",
                    "move the data folder there first, or pass --data-path");
  // Every live file must be found under the new root, or the lake would lose it.
  CatalogTransaction tx(*db_, true);
  CatalogReader r = reader();
  Snapshot latest = r.latest_snapshot();
  std::size_t checked = 0;
  for (const auto& t : r.tables(latest.id)) {
    for (const auto& f : r.data_files(t.id, latest.id)) {
      std::string loc = data_file_location(target, t, f, path_resolver());
      if (loc.find("://") != std::string::npos) continue;
      if (!files->exists(loc))
        throw UserError(fmt::format("cannot relocate the lake to {}: data file {} of table {} is not there",
                                    target, loc, t.qualified_name()),
                        "point --data-path at the folder that holds the lake's schema folders");
      ++checked;
    }
  }
  std::string old = stored_data_path_;
  db_->execute("UPDATE ducklake_metadata SET value = ? WHERE key = 'data_path' AND scope IS NULL", {target});
  tx.commit();
  stored_data_path_ = target;
  data_root_ = target;
  files_ = std::move(files);
  log::info("checked {} data file(s) under {}", checked, target);
  return old;
}

}  // namespace pond::lake
