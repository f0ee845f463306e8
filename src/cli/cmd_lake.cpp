// `pond lake ...`: look at and maintain the target's lake (profile `lake:`).
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/table_output.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "lake/lake.hpp"
#include "lake/time_travel.hpp"

namespace pond::cli {

namespace {

engine::ColumnType text_type() {
  return {engine::TypeId::kVarchar, "VARCHAR"};
}
engine::ColumnType number_type() {
  return {engine::TypeId::kBigInt, "BIGINT"};
}

lake::Lake open_lake(CommandContext& ctx) {
  ResolvedProject resolved = resolve_project(ctx.options);
  if (!resolved.target.lake)
    throw UserError(SourceLocation{resolved.target.profiles_file.string()},
                    "target '" + resolved.target.target_name + "' has no lake",
                    "add lake: {catalog: sqlite:lake.sqlite, data_path: lake/} to the target");
  return lake::Lake::open(lake_config(resolved.target), false);
}

void print(const TextTable& table, const std::string& output) {
  print_as(std::cout, table, parse_output_format(output));
}

// --older-than: a duration before now ("7d", "12h", "30m", ISO-8601 "P7D") or an absolute UTC
// time ("2026-11-01", "2026-11-01 12:00:00"); anything else is refused rather than guessed.
std::string threshold(const std::string& older_than) {
  if (older_than.empty()) throw UserError("pond lake expire needs --older-than", "e.g. --older-than 7d");
  std::chrono::system_clock::time_point t;
  if (auto d = parse_duration(older_than)) {
    t = std::chrono::system_clock::now() - *d;
  } else if (auto at = parse_utc_time(older_than)) {
    t = *at;
  } else {
    throw UserError("--older-than '" + older_than + "' is neither a duration nor a UTC time",
                    "use a duration such as 7d, 12h, 30m, 2w or P7D, or a time such as 2026-11-01 or "
                    "'2026-11-01 12:00:00'");
  }
  std::string text = sql_utc(t);
  return text.substr(0, text.size() - 3);  // without "+00": the lake compares UTC text
}

lake::SnapshotRef ref_of(const LakeOptions& options) {
  lake::SnapshotRef ref;
  ref.version = options.version;
  return ref;
}

int snapshots(lake::Lake& lake, const LakeOptions& options) {
  TextTable t;
  t.columns = {"snapshot_id", "snapshot_time", "schema_version", "changes", "author", "commit_message"};
  t.types = {number_type(), text_type(), number_type(), text_type(), text_type(), text_type()};
  for (const auto& s : lake.snapshots())
    t.rows.push_back({std::to_string(s.id), s.time, std::to_string(s.schema_version), s.changes, s.author,
                      s.commit_message});
  print(t, options.output);
  return 0;
}

int tables(lake::Lake& lake, const LakeOptions& options) {
  std::int64_t snap = lake.resolve(ref_of(options));
  lake::CatalogReader r = lake.reader();
  TextTable t;
  t.columns = {"table", "table_id", "columns", "files", "rows", "bytes", "partitioned_by"};
  t.types = {text_type(),   number_type(), number_type(), number_type(),
             number_type(), number_type(), text_type()};
  for (const auto& table : r.tables(snap)) {
    auto files = r.data_files(table.id, snap);
    std::int64_t rows = 0, bytes = 0;
    for (const auto& f : files) {
      rows += f.record_count;
      bytes += f.file_size_bytes;
    }
    for (const auto& d : r.delete_files(table.id, snap)) rows -= d.delete_count;
    std::string partition;
    if (table.partition)
      for (const auto& f : table.partition->fields)
        for (const auto& c : table.columns)
          if (c.id == f.column_id)
            partition += (partition.empty() ? "" : ", ") +
                         (f.transform == "identity" ? c.name : f.transform + "(" + c.name + ")");
    t.rows.push_back({table.qualified_name(), std::to_string(table.id), std::to_string(table.columns.size()),
                      std::to_string(files.size()), std::to_string(rows), std::to_string(bytes),
                      partition.empty() ? std::nullopt : std::optional<std::string>(partition)});
  }
  for (const auto& v : r.views(snap))
    t.rows.push_back({v.schema_name + "." + v.name + " (view)", std::to_string(v.id), std::nullopt,
                      std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  print(t, options.output);
  return 0;
}

// The lake as a whole, and how DuckDB's ducklake extension attaches it.
int lake_summary(lake::Lake& lake) {
  lake::Snapshot latest = lake.latest_snapshot();
  auto version = lake.reader().metadata("version");
  std::cout << fmt::format("catalog:    {} ({})\n",
                           lake.catalog_kind() == "postgres" ? "PostgreSQL" : lake.catalog_location(),
                           lake.catalog_kind());
  std::cout << fmt::format("data path:  {} (stored as {})\n", lake.data_root(), lake.stored_data_path());
  std::cout << fmt::format("format:     DuckLake {}\n", version.value_or("?"));
  std::cout << fmt::format("snapshot:   {} (schema version {})\n", latest.id, latest.schema_version);
  std::cout << fmt::format("tables:     {}, views: {}\n", lake.tables().size(), lake.views().size());
  std::cout << "\nIn DuckDB (any folder, any alias):\n";
  if (lake.catalog_kind() != "duckdb")
    std::cout << "  INSTALL ducklake; INSTALL " << lake.catalog_kind() << ";\n";
  std::cout << "  " << lake.duckdb_attach_sql("lake") << "\n";
  return 0;
}

int info(lake::Lake& lake, const LakeOptions& options) {
  if (options.table.empty()) return lake_summary(lake);
  std::int64_t snap = lake.resolve(ref_of(options));
  lake::Table table = lake.table(options.table, lake::SnapshotRef{snap, std::nullopt});
  lake::CatalogReader r = lake.reader();
  std::cout << fmt::format("table {} (id {}) at snapshot {}, created at snapshot {}\n",
                           table.qualified_name(), table.id, snap, table.begin_snapshot);
  TextTable cols;
  cols.columns = {"column_id", "name", "type", "nullable", "default"};
  cols.types = {number_type(), text_type(), text_type(), text_type(), text_type()};
  for (const auto& c : table.columns)
    cols.rows.push_back(
        {std::to_string(c.id), c.name, c.type, c.nulls_allowed ? "yes" : "no", c.default_value});
  print(cols, options.output);
  auto deletes = r.delete_files(table.id, snap);
  TextTable files;
  files.columns = {"data_file_id", "path", "rows", "deleted", "bytes", "row_id_start", "begin_snapshot"};
  files.types = {number_type(), text_type(),   number_type(), number_type(),
                 number_type(), number_type(), number_type()};
  for (const auto& f : r.data_files(table.id, snap)) {
    std::int64_t deleted = 0;
    for (const auto& d : deletes)
      if (d.data_file_id == f.id) deleted = d.delete_count;
    files.rows.push_back({std::to_string(f.id), f.path, std::to_string(f.record_count),
                          std::to_string(deleted), std::to_string(f.file_size_bytes),
                          std::to_string(f.row_id_start), std::to_string(f.begin_snapshot)});
  }
  print(files, options.output);
  return 0;
}

}  // namespace

std::string expose_lake(const ResolvedProject& resolved, engine::Connection& /*con*/,
                        const std::string& sql) {
  // open_target_database already shows the lake's tables in the target's catalog; what is
  // left is time travel, which DuckDB cannot do itself here.
  if (!resolved.target.lake || sql.find("lake_scan") == std::string::npos) return sql;
  lake::Lake lake = lake::Lake::open(lake_config(resolved.target));
  return lake::expand_lake_scans(lake, sql);
}

int run_lake(CommandContext& ctx, const LakeOptions& options) {
  lake::Lake lake = open_lake(ctx);
  if (options.action == "snapshots") return snapshots(lake, options);
  if (options.action == "tables") return tables(lake, options);
  if (options.action == "info") return info(lake, options);
  if (options.action == "compact") {
    engine::Database db = engine::Database::open(":memory:");
    engine::Connection con(db);
    std::vector<std::string> names;
    if (!options.table.empty()) {
      names.push_back(options.table);
    } else {
      for (const auto& t : lake.tables()) names.push_back(t.qualified_name());
    }
    for (const auto& name : names) {
      auto before = lake.latest_snapshot().id;
      auto r = lake.compact(con, name);
      if (r.snapshot_id == before)
        std::cout << fmt::format("{}: nothing to compact\n", name);
      else
        std::cout << fmt::format("{}: {} rows in {} file(s), snapshot {}\n", name, r.rows_written,
                                 r.files_written, r.snapshot_id);
    }
    return 0;
  }
  if (options.action == "expire") {
    std::string before = threshold(options.older_than);
    std::int64_t n = lake.expire(before);
    std::cout << fmt::format(
        "expired {} snapshot(s) older than {}; run pond lake cleanup to delete their files\n", n, before);
    return 0;
  }
  if (options.action == "cleanup") {
    auto r = lake.cleanup(options.dry_run, options.min_age_seconds);
    for (const auto& f : r.removed)
      std::cout << (options.dry_run ? "would delete " : "deleted ") << f << "\n";
    std::cout << fmt::format("{} file(s), {} bytes{}\n", r.removed.size(), r.bytes,
                             options.dry_run ? " (dry run: nothing deleted)" : "");
    return 0;
  }
  if (options.action == "relocate") {
    std::string old = lake.relocate(options.data_path);
    std::cout << fmt::format("data_path: {} -> {}\n{}\n", old, lake.stored_data_path(),
                             lake.duckdb_attach_sql("lake"));
    return 0;
  }
  throw UserError("unknown lake command '" + options.action + "'",
                  "pond lake snapshots | tables | info [TABLE] | compact | expire | cleanup | relocate");
}

}  // namespace pond::cli
