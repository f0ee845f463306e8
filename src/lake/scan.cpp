#include "lake/scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "common/error.hpp"
#include "lake/file_scan.hpp"
#include "lake/sql_text.hpp"
#include "lake/types.hpp"
#include "storage/file_system.hpp"
#include "storage/s3_client.hpp"

namespace pond::lake {

namespace {

bool is_number_type(const std::string& t) {
  return t.rfind("int", 0) == 0 || t.rfind("uint", 0) == 0 || t.rfind("float", 0) == 0 ||
         t.rfind("decimal", 0) == 0;
}

// -1, 0, 1 comparing two values of one DuckLake type given as text.
}  // namespace

int compare_values(const std::string& type, const std::string& a, const std::string& b) {
  if (is_number_type(type)) {
    char* ea = nullptr;
    char* eb = nullptr;
    long double x = std::strtold(a.c_str(), &ea);
    long double y = std::strtold(b.c_str(), &eb);
    if (ea && *ea == '\0' && eb && *eb == '\0') return x < y ? -1 : (x > y ? 1 : 0);
  }
  return a < b ? -1 : (a > b ? 1 : 0);
}

namespace {

bool comparable_as_text(const std::string& t) {
  return is_number_type(t) || t == "varchar" || t == "date" || t == "timestamp" || t == "timestamp_s" ||
         t == "timestamp_ms" || t == "timestamp_ns" || t == "boolean";
}

std::string schema_map(const std::vector<Column>& columns) {
  std::string out = "MAP {";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    if (i) out += ", ";
    out += fmt::format("{}: {{name: {}, type: {}, default_value: {}}}", c.id, quote_literal(c.name),
                       quote_literal(duckdb_type_of(c)), literal_or_null(c.initial_default));
  }
  return out + "}";
}

std::string column_list(const std::vector<Column>& columns) {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + quote_identifier(columns[i].name);
  return out;
}

std::string default_expr(const Column& c) {
  return fmt::format("CAST({} AS {})", literal_or_null(c.initial_default), duckdb_type_of(c));
}

}  // namespace

bool stats_may_match(const std::string& type, const std::optional<std::string>& min,
                     const std::optional<std::string>& max, const std::string& op, const std::string& value) {
  if (!min || !max || !comparable_as_text(type)) return true;
  int lo = compare_values(type, value, *min);  // value vs min
  int hi = compare_values(type, value, *max);  // value vs max
  if (op == "=") return lo >= 0 && hi <= 0;
  if (op == "<") return compare_values(type, *min, value) < 0;
  if (op == "<=") return compare_values(type, *min, value) <= 0;
  if (op == ">") return compare_values(type, *max, value) > 0;
  if (op == ">=") return compare_values(type, *max, value) >= 0;
  return true;
}

namespace {

std::string anchored(const std::string& path, const PathResolver& resolve) {
  if (!resolve || path.empty() || path.front() == '/' || path.find("://") != std::string::npos) return path;
  return resolve(path);
}

}  // namespace

std::string table_directory(const std::string& data_root, const Table& table, const PathResolver& resolve) {
  std::string schema_dir = table.schema_path_is_relative ? storage::join_path(data_root, table.schema_path)
                                                         : anchored(table.schema_path, resolve);
  std::string dir =
      table.path_is_relative ? storage::join_path(schema_dir, table.path) : anchored(table.path, resolve);
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir;
}

std::string data_file_location(const std::string& data_root, const Table& table, const DataFile& file,
                               const PathResolver& resolve) {
  return file.path_is_relative ? storage::join_path(table_directory(data_root, table, resolve), file.path)
                               : anchored(file.path, resolve);
}

std::string delete_file_location(const std::string& data_root, const Table& table, const DeleteFile& file,
                                 const PathResolver& resolve) {
  return file.path_is_relative ? storage::join_path(table_directory(data_root, table, resolve), file.path)
                               : anchored(file.path, resolve);
}

std::string ScanBuilder::readable(const std::string& location) const {
  return files_ && !files_->is_local() ? files_->local_copy(location) : location;
}

ScanPlan ScanBuilder::build(const Table& table, std::int64_t snapshot, const ScanOptions& options) {
  ScanPlan plan;
  const std::vector<Column>& cols = table.columns;
  if (cols.empty())
    throw UserError("table " + table.qualified_name() + " has no columns at snapshot " +
                    std::to_string(snapshot));
  CatalogDb& db = catalog_.db();
  std::vector<DataFile> files = catalog_.data_files(table.id, snapshot);
  plan.files_total = files.size();

  // Normally one live delete file per data file; several (other writers) are unioned.
  std::map<std::int64_t, std::vector<DeleteFile>> deletes;
  for (auto& d : catalog_.delete_files(table.id, snapshot)) deletes[d.data_file_id].push_back(d);
  std::map<std::int64_t, std::vector<std::string>> inline_deletes;
  const std::string inline_delete_table = "ducklake_inlined_delete_" + std::to_string(table.id);
  if (db.table_exists(inline_delete_table)) {
    for (auto& r : db.query(
             "SELECT file_id, row_id FROM " + inline_delete_table + " WHERE begin_snapshot <= ?", {snapshot}))
      inline_deletes[to_int(r[0])].push_back(r[1].value_or("NULL"));
  }

  // Pruning: first by partition values (no extra catalog reads), then by the min/max
  // statistics of the filtered columns, read only for the files still in.
  if (!options.filters.empty()) {
    std::map<std::string, const Column*> by_name;
    for (const auto& c : cols) by_name[c.name] = &c;
    std::vector<DataFile> kept;
    for (auto& f : files) {
      bool keep = true;
      for (const auto& p : options.filters) {
        auto it = by_name.find(p.column);
        if (it == by_name.end() || !table.partition || !f.partition_id ||
            *f.partition_id != table.partition->id)
          continue;
        for (const auto& field : table.partition->fields) {
          if (field.column_id != it->second->id || field.transform != "identity") continue;
          auto pv = f.partition_values.find(field.key_index);
          if (pv != f.partition_values.end() &&
              !stats_may_match(it->second->type, pv->second, pv->second, p.op, p.value))
            keep = false;
        }
      }
      if (keep) kept.push_back(std::move(f));
    }
    files = std::move(kept);
    std::string column_ids;
    for (const auto& p : options.filters) {
      auto it = by_name.find(p.column);
      if (it != by_name.end())
        column_ids += (column_ids.empty() ? "" : ", ") + std::to_string(it->second->id);
    }
    if (!files.empty() && !column_ids.empty()) {
      std::string file_ids;
      for (const auto& f : files) file_ids += (file_ids.empty() ? "" : ", ") + std::to_string(f.id);
      std::map<std::int64_t, std::vector<ColumnStats>> stats;
      for (auto& r :
           db.query("SELECT data_file_id, column_id, min_value, max_value FROM ducklake_file_column_stats "
                    "WHERE data_file_id IN (" +
                    file_ids + ") AND column_id IN (" + column_ids + ")"))
        stats[to_int(r[0])].push_back({to_int(r[1]), 0, 0, 0, r[2], r[3]});
      kept.clear();
      for (auto& f : files) {
        bool keep = true;
        auto st = stats.find(f.id);
        for (const auto& p : options.filters) {
          auto it = by_name.find(p.column);
          if (it == by_name.end() || st == stats.end()) continue;
          for (const auto& s : st->second)
            if (s.column_id == it->second->id &&
                !stats_may_match(it->second->type, s.min_value, s.max_value, p.op, p.value))
              keep = false;
        }
        if (keep) kept.push_back(std::move(f));
      }
      files = std::move(kept);
    }
  }
  plan.files_scanned = files.size();
  if (options.verify_files) {
    auto check = [&](const std::string& location, std::int64_t expected, const char* what) {
      std::string loc = location;
      try {
        loc = readable(location);  // an object store's file: downloaded (or cached) here
      } catch (const storage::S3Error& e) {
        if (e.code() != "NoSuchKey") throw;
        throw UserError(fmt::format("table {} at snapshot {}: {} {} is missing", table.qualified_name(),
                                    snapshot, what, location),
                        "restore the object from a backup (or a bucket version), or read an older snapshot");
      }
      if (loc.find("://") != std::string::npos) return;  // a URL DuckDB reads itself reports it
      std::error_code ec;
      auto size = std::filesystem::file_size(loc, ec);
      if (ec)
        throw UserError(fmt::format("table {} at snapshot {}: {} {} is missing", table.qualified_name(),
                                    snapshot, what, loc),
                        "restore the file from a backup, or read an older snapshot");
      if (expected > 0 && static_cast<std::int64_t>(size) != expected)
        throw UserError(
            fmt::format("table {} at snapshot {}: {} {} is corrupt ({} bytes, the catalog recorded {})",
                        table.qualified_name(), snapshot, what, loc, size, expected),
            "restore the file from a backup, or read an older snapshot");
    };
    for (const auto& f : files) {
      check(data_file_location(data_root_, table, f, resolve_), f.file_size_bytes, "data file");
      auto d = deletes.find(f.id);
      if (d != deletes.end())
        for (const auto& df : d->second)
          check(delete_file_location(data_root_, table, df, resolve_), df.file_size_bytes, "delete file");
    }
  }

  const std::string map = schema_map(cols);
  const std::string names_list = column_list(cols);
  std::vector<std::string> parts;
  std::vector<std::string> plain;    // read through the field-id schema
  std::vector<std::string> by_name;  // written under the schema of this snapshot
  // The last snapshot <= `snapshot` that changed a column row of the table: files written at
  // or after it have exactly the columns (names and types) the table has now.
  std::int64_t last_schema_change = 0;
  for (auto& r :
       db.query("SELECT max(begin_snapshot), max(CASE WHEN end_snapshot <= ? THEN end_snapshot END) FROM "
                "ducklake_column WHERE table_id = ? AND begin_snapshot <= ?",
                {snapshot, table.id, snapshot}))
    last_schema_change = std::max(to_int(r[0]), to_int(r[1]));
  // Files written before a nested field changed are read by the names they were written
  // with (the table's columns as of the file's first snapshot), since field ids of nested
  // fields cannot be given to read_parquet.
  bool has_nested =
      std::any_of(cols.begin(), cols.end(), [](const Column& c) { return !c.children.empty(); });
  std::map<std::int64_t, std::optional<std::vector<NameMapEntry>>> written_maps;
  auto written_map = [&](std::int64_t at) -> const std::optional<std::vector<NameMapEntry>>& {
    auto it = written_maps.find(at);
    if (it != written_maps.end()) return it->second;
    std::vector<Column> then = catalog_.columns(table.id, at);
    std::optional<std::vector<NameMapEntry>> m;
    if (nested_layout_differs(then, cols)) m = name_map_of(then);
    return written_maps.emplace(at, std::move(m)).first->second;
  };
  std::optional<bool> time_travel;  // read once, when a delete file needs it
  for (const auto& f : files) {
    std::string loc = readable(data_file_location(data_root_, table, f, resolve_));
    if (f.format != "parquet")
      throw UserError(fmt::format("table {}: data file {} has format '{}'; pond reads parquet",
                                  table.qualified_name(), loc, f.format));
    auto del = deletes.find(f.id);
    auto inl = inline_deletes.find(f.id);
    // A merged file (partial_max) holds rows of several snapshots; reading it before
    // partial_max keeps the rows whose _ducklake_internal_snapshot_id is visible.
    bool merged = f.partial_max.has_value();
    bool partial = merged && snapshot < *f.partial_max;
    std::optional<std::vector<NameMapEntry>> names;
    if (f.mapping_id)
      names = load_name_map(db, *f.mapping_id, table.qualified_name());
    else if (has_nested)
      names = written_map(f.begin_snapshot);
    const std::string enc = encryption_option(f.encryption_key);
    if (!names && enc.empty() && del == deletes.end() && inl == inline_deletes.end() &&
        !options.with_positions && !partial) {
      (f.begin_snapshot >= last_schema_change ? by_name : plain).push_back(quote_literal(loc));
      continue;
    }
    const std::string positions =
        options.with_positions ? fmt::format("{} AS __pond_file_id, file_row_number AS __pond_pos, ", f.id)
                               : "";
    std::string select;
    std::string row_number = "file_row_number";
    std::vector<std::string> where;
    if (names) {
      // Registered files (name mapping) and files of an older nested layout: read by name.
      select =
          fmt::format("SELECT {}{} FROM read_parquet({}, file_row_number=true{})", positions,
                      mapped_select_list(cols, *names, loc, table.qualified_name()), quote_literal(loc), enc);
      if (partial) where.push_back("_ducklake_internal_snapshot_id <= " + std::to_string(snapshot));
    } else if (merged) {
      // The snapshot column may have no field id, and DuckDB 1.5 fails on file_row_number
      // with a field-id schema when a file column has none: pair two scans of the file by
      // position instead.
      std::string qualified;
      for (const auto& c : cols) qualified += (qualified.empty() ? "m." : ", m.") + quote_identifier(c.name);
      select = fmt::format(
          "SELECT {}{} FROM read_parquet({}, schema={}{}) AS m POSITIONAL JOIN (SELECT file_row_number AS "
          "__pos, _ducklake_internal_snapshot_id AS __snap FROM read_parquet({}, file_row_number=true{})) AS "
          "s",
          options.with_positions ? fmt::format("{} AS __pond_file_id, s.__pos AS __pond_pos, ", f.id) : "",
          qualified, quote_literal(loc), map, enc, quote_literal(loc), enc);
      row_number = "s.__pos";
      if (partial) where.push_back("s.__snap <= " + std::to_string(snapshot));
    } else {
      select = fmt::format("SELECT {}{} FROM read_parquet({}, schema={}, file_row_number=true{})", positions,
                           names_list, quote_literal(loc), map, enc);
    }
    if (del != deletes.end()) {
      if (!time_travel) time_travel = snapshot < catalog_.latest_snapshot().id;
      std::string list;
      for (const auto& df : del->second)
        list += (list.empty() ? "" : " UNION ALL ") +
                deleted_positions_sql(df, readable(delete_file_location(data_root_, table, df, resolve_)),
                                      snapshot, *time_travel);
      where.push_back(row_number + " NOT IN (" + list + ")");
    }
    if (inl != inline_deletes.end()) {
      std::string list;
      for (const auto& p : inl->second) list += (list.empty() ? "" : ", ") + p;
      where.push_back(row_number + " NOT IN (" + list + ")");
    }
    for (std::size_t i = 0; i < where.size(); ++i) select += (i ? " AND " : " WHERE ") + where[i];
    parts.push_back(std::move(select));
  }
  if (!plain.empty()) {
    std::string list;
    for (const auto& p : plain) list += (list.empty() ? "" : ", ") + p;
    parts.insert(parts.begin(),
                 fmt::format("SELECT {} FROM read_parquet([{}], schema={})", names_list, list, map));
  }
  if (!by_name.empty()) {
    // Written with the columns the table has at this snapshot: read by name, which DuckDB does
    // at half the CPU cost of a field-id schema. Hive folders are not columns.
    std::string list;
    for (const auto& p : by_name) list += (list.empty() ? "" : ", ") + p;
    std::string casted;  // the table's types, whatever the writer's parquet types were
    for (const auto& c : cols)
      casted += (casted.empty() ? "" : ", ") +
                fmt::format("CAST({0} AS {1}) AS {0}", quote_identifier(c.name), duckdb_type_of(c));
    parts.insert(parts.begin(),
                 fmt::format("SELECT {} FROM read_parquet([{}], hive_partitioning=false)", casted, list));
  }

  // Rows inlined in the catalog, one table per schema version of the table.
  for (const auto& inl : catalog_.inlined_tables(table.id)) {
    if (!db.table_exists(inl.table_name)) continue;
    auto start = catalog_.schema_version_start(table.id, inl.schema_version);
    if (!start) continue;
    std::vector<Column> version_cols = catalog_.columns(table.id, *start);
    auto rows = db.query("SELECT * FROM " + quote_identifier(inl.table_name) +
                             " WHERE begin_snapshot <= ? AND (end_snapshot IS NULL OR end_snapshot > ?)",
                         {snapshot, snapshot});
    if (rows.empty()) continue;
    plan.inlined_rows += rows.size();
    std::string values;
    for (const auto& r : rows) {
      std::string tuple;
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (i == 1 || i == 2) continue;  // begin/end snapshot
        tuple += (tuple.empty() ? "" : ", ") + literal_or_null(r[i]);
      }
      values += (values.empty() ? "(" : ", (") + tuple + ")";
    }
    std::string aliases = "__rid";
    std::map<std::int64_t, std::string> alias_of;
    for (const auto& vc : version_cols) {
      aliases += ", c" + std::to_string(vc.id);
      alias_of[vc.id] = "c" + std::to_string(vc.id);
    }
    std::string list;
    for (const auto& c : cols) {
      auto a = alias_of.find(c.id);
      list += (list.empty() ? "" : ", ") +
              (a == alias_of.end() ? default_expr(c)
                                   : fmt::format("CAST({} AS {})", a->second, duckdb_type_of(c))) +
              " AS " + quote_identifier(c.name);
    }
    parts.push_back(fmt::format(
        "SELECT {}{} FROM (VALUES {}) AS v({})",
        options.with_positions ? "NULL::BIGINT AS __pond_file_id, CAST(__rid AS BIGINT) AS __pond_pos, " : "",
        list, values, aliases));
  }

  if (parts.empty()) {
    std::string list =
        options.with_positions ? "NULL::BIGINT AS __pond_file_id, NULL::BIGINT AS __pond_pos" : "";
    for (const auto& c : cols)
      list += (list.empty() ? "" : ", ") +
              fmt::format("NULL::{} AS {}", duckdb_type_of(c), quote_identifier(c.name));
    parts.push_back("SELECT " + list + " WHERE false");
  }
  if (parts.size() == 1) {
    plan.sql = parts[0];
  } else {
    for (std::size_t i = 0; i < parts.size(); ++i) plan.sql += (i ? "\nUNION ALL " : "") + parts[i];
  }
  return plan;
}

}  // namespace pond::lake
