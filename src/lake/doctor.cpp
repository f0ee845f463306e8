#include "lake/doctor.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "lake/catalog.hpp"
#include "lake/lake.hpp"
#include "lake/scan.hpp"
#include "state/database.hpp"

namespace pond::lake {

std::size_t DoctorReport::open_problems() const {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(), [](const Finding& f) { return !f.repaired; }));
}

namespace {

std::int64_t max_id(CatalogDb& db, const std::string& sql) {
  auto rows = db.query(sql);
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return -1;
  return state::to_int(rows[0][0]);
}

// Every table's files are there with the size the catalog recorded (a scan verifies them).
void check_tables(Lake& lake, std::int64_t snap, DoctorReport& report) {
  CatalogReader r = lake.reader();
  for (const auto& t : r.tables(snap)) {
    ++report.tables;
    report.files += static_cast<std::int64_t>(r.data_files(t.id, snap).size());
    ScanOptions options;
    options.verify_files = true;
    try {
      lake.scan(t.qualified_name(), SnapshotRef{snap, std::nullopt}, options);
    } catch (const UserError& e) {
      report.findings.push_back({t.qualified_name(), e.message(),
                                 fmt::format("restore the file from a backup, read an older snapshot "
                                             "(lake_scan('{}', version => N)), or rebuild the table "
                                             "(pond build -s {} --full-refresh)",
                                             t.qualified_name(), t.name),
                                 false, false});
    }
  }
}

// Every view binds: the views are created in a scratch connection as a command would.
void check_views(Lake& lake, engine::Connection& con, std::int64_t snap, DoctorReport& report) {
  report.views = static_cast<std::int64_t>(lake.reader().views(snap).size());
  std::vector<std::pair<std::string, std::string>> skipped;
  lake.attach(con, SnapshotRef{snap, std::nullopt}, "", &skipped);
  for (const auto& [object, why] : skipped)
    report.findings.push_back(
        {object, "cannot be shown: " + why.substr(0, why.find('\n')),
         "rebuild it (pond build -s " + object.substr(object.find('.') + 1) + "), or fix what it reads",
         false, false});
}

// The catalog's own bookkeeping: the id counters of the latest snapshot are past every id in
// use (else the next commit would reuse one), and no file row names a snapshot or table that
// does not exist (what a writer that is not pond can leave behind).
void check_catalog(Lake& lake, const DoctorOptions& options, DoctorReport& report) {
  CatalogDb& db = lake.catalog_db();
  CatalogTransaction tx(db, options.repair);
  Snapshot latest = lake.reader().latest_snapshot();
  bool changed = false;
  // A counter (`column` of the latest snapshot, "catalog" or "file" ids) behind an id in use.
  auto check_counter = [&](const char* what, const char* column, std::int64_t next, std::int64_t in_use) {
    if (in_use < next) return;
    Finding f{"catalog",
              fmt::format("snapshot {} says the next {} id is {}, but id {} is in use", latest.id, what, next,
                          in_use),
              "pond lake doctor --repair moves the counter past it", true, false};
    if (options.repair) {
      db.execute(fmt::format("UPDATE ducklake_snapshot SET {} = ? WHERE snapshot_id = ?", column),
                 {in_use + 1, latest.id});
      f.repaired = changed = true;
    }
    report.findings.push_back(std::move(f));
  };
  check_counter("catalog", "next_catalog_id", latest.next_catalog_id,
                std::max({max_id(db, "SELECT max(schema_id) FROM ducklake_schema"),
                          max_id(db, "SELECT max(table_id) FROM ducklake_table"),
                          max_id(db, "SELECT max(view_id) FROM ducklake_view")}));
  check_counter("file", "next_file_id", latest.next_file_id,
                std::max(max_id(db, "SELECT max(data_file_id) FROM ducklake_data_file"),
                         max_id(db, "SELECT max(delete_file_id) FROM ducklake_delete_file")));
  struct Dangling {
    const char* table;
    const char* id;
    const char* what;
  };
  for (const Dangling& d : {Dangling{"ducklake_data_file", "data_file_id", "data file"},
                            Dangling{"ducklake_delete_file", "delete_file_id", "delete file"}}) {
    std::string where = fmt::format(
        "begin_snapshot > {} OR table_id NOT IN (SELECT table_id FROM ducklake_table)", latest.id);
    std::int64_t n = max_id(db, fmt::format("SELECT count(*) FROM {} WHERE {}", d.table, where));
    if (n <= 0) continue;
    Finding f{"catalog",
              fmt::format("{} {} row(s) name a snapshot after the latest ({}) or a table that does not exist",
                          n, d.what, latest.id),
              "left by an interrupted writer; pond lake doctor --repair removes the rows (no snapshot reads "
              "them), then pond lake cleanup their files",
              true, false};
    if (options.repair) {
      if (std::string(d.table) == "ducklake_data_file") {
        for (const char* stats : {"ducklake_file_column_stats", "ducklake_file_partition_value"})
          db.execute(
              fmt::format("DELETE FROM {} WHERE data_file_id IN (SELECT data_file_id FROM {} WHERE {})",
                          stats, d.table, where));
      }
      db.execute(fmt::format("DELETE FROM {} WHERE {}", d.table, where));
      f.repaired = changed = true;
    }
    report.findings.push_back(std::move(f));
  }
  if (changed) tx.commit();
}

// Files under the data path that no catalog row names: space a crashed writer left behind.
void check_orphans(Lake& lake, const DoctorOptions& options, DoctorReport& report) {
  CleanupResult orphans = lake.cleanup(true, options.orphan_min_age_seconds);
  if (orphans.removed.empty()) return;
  Finding f{"data path",
            fmt::format("{} file(s), {} bytes, are not referenced by any snapshot or are expired",
                        orphans.removed.size(), orphans.bytes),
            "pond lake cleanup (or doctor --repair) deletes them", true, false};
  if (options.repair) {
    lake.cleanup(false, options.orphan_min_age_seconds);
    f.repaired = true;
  }
  report.findings.push_back(std::move(f));
}

}  // namespace

DoctorReport diagnose(Lake& lake, engine::Connection& con, const DoctorOptions& options) {
  DoctorReport report;
  check_catalog(lake, options, report);
  report.snapshot = lake.latest_snapshot().id;
  check_tables(lake, report.snapshot, report);
  check_views(lake, con, report.snapshot, report);
  check_orphans(lake, options, report);
  return report;
}

}  // namespace pond::lake
