#include "lake/writer.hpp"

#include <fmt/format.h>

#include <set>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "lake/scan.hpp"
#include "lake/sql_text.hpp"
#include "lake/types.hpp"
#include "storage/file_system.hpp"

namespace pond::lake {

namespace {

// Transform partition columns (month(ts) AS month) are stored in the files with field ids far
// above any column id: every column then has a field id (DuckDB 1.5 fails on file_row_number
// scans of files with a column without one), and readers by field id skip them.
constexpr std::int64_t kDerivedFieldIdBase = 1'000'000'000;

std::string field_ids_of(const Column& c) {
  if (c.children.empty()) return std::to_string(c.id);
  std::string out = fmt::format("{{__duckdb_field_id: {}", c.id);
  for (const auto& child : c.children)
    out += ", " + quote_identifier(child.name) + ": " + field_ids_of(child);
  return out + "}";
}

// parquet_metadata's path_in_schema of every leaf column, mapped to the leaf.
void leaf_paths(const Column& c, const std::string& prefix, std::map<std::string, const Column*>& out) {
  std::string path = prefix.empty() ? c.name : prefix + ", " + c.name;
  if (c.children.empty()) {
    out[path] = &c;
    return;
  }
  if (c.type == "list") {
    leaf_paths(c.children[0], path + ", list", out);
  } else if (c.type == "map") {
    for (const auto& child : c.children) leaf_paths(child, path + ", key_value", out);
  } else {
    for (const auto& child : c.children) leaf_paths(child, path, out);
  }
}

bool is_number(const std::string& t) {
  return t.rfind("int", 0) == 0 || t.rfind("uint", 0) == 0 || t.rfind("float", 0) == 0 ||
         t.rfind("decimal", 0) == 0;
}

bool less_than(const std::string& type, const std::string& a, const std::string& b) {
  if (is_number(type)) {
    try {
      return std::stold(a) < std::stold(b);
    } catch (const std::exception&) {
    }
  }
  return a < b;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Cleanup after a failed write: a missing file is fine, another error must not hide the write's.
void remove_quietly(storage::FileSystem& files, const std::string& path) {
  try {
    files.remove(path);
  } catch (const std::exception&) {  // the write's own error is the one to report
  }
}

// A COPY that failed half way may have left a file (or, partitioned, files in new folders).
void remove_partial(storage::FileSystem& files, bool single, const std::string& target,
                    const std::string& table_dir, const std::set<std::string>& existing) {
  if (single) {
    remove_quietly(files, target);
    return;
  }
  try {
    for (const auto& e : files.list(table_dir))
      if (!existing.count(e.relative_path))
        remove_quietly(files, storage::join_path(table_dir, e.relative_path));
  } catch (const std::exception&) {  // as above
  }
}

std::string transform_expr(const std::string& transform, const std::string& column) {
  if (transform == "identity") return quote_identifier(column);
  if (transform == "year" || transform == "month" || transform == "day" || transform == "hour")
    return transform + "(" + quote_identifier(column) + ")";
  throw UserError("partition transform '" + transform + "' is not supported",
                  "use identity, year, month, day or hour");
}

}  // namespace

std::string field_ids_option(const std::vector<Column>& columns) {
  std::string out = "{";
  for (std::size_t i = 0; i < columns.size(); ++i)
    out += (i ? ", " : "") + quote_identifier(columns[i].name) + ": " + field_ids_of(columns[i]);
  return out + "}";
}

std::vector<ColumnStats> parquet_column_stats(engine::Connection& con, const std::string& file,
                                              const std::vector<Column>& columns) {
  std::map<std::string, const Column*> leaves;
  for (const auto& c : columns) leaf_paths(c, "", leaves);
  std::map<std::int64_t, ColumnStats> by_id;
  engine::Result r = con.query(
      "SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count, num_values, "
      "total_compressed_size FROM parquet_metadata(" +
      quote_literal(file) + ")");
  while (auto chunk = r.next_chunk()) {
    for (std::size_t row = 0; row < chunk->size(); ++row) {
      auto it = leaves.find(chunk->get<std::string>(0, row));
      if (it == leaves.end()) continue;
      const Column& c = *it->second;
      ColumnStats& s = by_id[c.id];
      s.column_id = c.id;
      auto mn = chunk->get_optional<std::string>(1, row);
      auto mx = chunk->get_optional<std::string>(2, row);
      if (mn && (!s.min_value || less_than(c.type, *mn, *s.min_value))) s.min_value = mn;
      if (mx && (!s.max_value || less_than(c.type, *s.max_value, *mx))) s.max_value = mx;
      s.null_count += chunk->get_optional<std::int64_t>(3, row).value_or(0);
      s.value_count += chunk->get_optional<std::int64_t>(4, row).value_or(0);
      s.column_size_bytes += chunk->get_optional<std::int64_t>(5, row).value_or(0);
    }
  }
  std::vector<ColumnStats> out;
  for (auto& [id, s] : by_id) out.push_back(std::move(s));
  return out;
}

std::vector<WrittenFile> write_data_files(engine::Connection& con, const std::string& query_text,
                                          const Table& table, const std::string& table_dir,
                                          storage::FileSystem& files) {
  const std::string select_sql = strip_statement(query_text);
  // Which columns does the query give? Match them to the table's by name.
  std::set<std::string> given;
  {
    engine::PreparedStatement probe = con.prepare("SELECT * FROM (" + select_sql + ") AS pond_src LIMIT 0");
    for (std::size_t i = 0; i < probe.column_count(); ++i) given.insert(probe.column_name(i));
  }
  for (const auto& g : given) {
    if (!table.find_column(g))
      throw UserError(fmt::format("the query writes column '{}', which table {} does not have", g,
                                  table.qualified_name()),
                      "add the column first (schema evolution) or leave it out of the query");
  }
  std::string projection;
  for (const auto& c : table.columns) {
    std::string expr = given.count(c.name)
                           ? quote_identifier(c.name)
                           : (c.default_value ? quote_literal(*c.default_value) : std::string("NULL"));
    projection += (projection.empty() ? "" : ", ") +
                  fmt::format("CAST({} AS {}) AS {}", expr, duckdb_type_of(c), quote_identifier(c.name));
  }
  std::vector<std::string> keys;
  std::string derived_ids;  // field ids of transform columns (see kDerivedFieldIdBase)
  if (table.partition) {
    std::set<std::string> used;
    for (const auto& field : table.partition->fields) {
      const Column* col = nullptr;
      for (const auto& c : table.columns)
        if (c.id == field.column_id) col = &c;
      if (!col)
        throw UserError("table " + table.qualified_name() + " is partitioned by a column it no longer has");
      if (field.transform == "identity") {
        keys.push_back(quote_identifier(col->name));
        continue;
      }
      std::string key = used.count(field.transform) ? col->name + "_" + field.transform : field.transform;
      used.insert(key);
      projection += ", " + transform_expr(field.transform, col->name) + " AS " + quote_identifier(key);
      keys.push_back(quote_identifier(key));
      derived_ids +=
          ", " + quote_identifier(key) + ": " + std::to_string(kDerivedFieldIdBase + field.key_index);
    }
  }
  std::string query = "SELECT " + projection + " FROM (" + select_sql + ") AS pond_src";
  files.create_dirs(table_dir);
  // DuckDB writes local files: on an object store, into a staging folder that is uploaded
  // file by file below (leftovers of an interrupted write are dropped first).
  if (!files.is_local()) files.discard_staged(table_dir);
  const std::string write_dir = files.staging_path(table_dir);
  std::string field_ids = field_ids_option(table.columns);
  field_ids.insert(field_ids.size() - 1, derived_ids);
  std::string options = "FORMAT parquet, FIELD_IDS " + field_ids + ", RETURN_STATS true";
  std::string target;
  if (keys.empty()) {
    target = write_dir + "ducklake-" + random_uuid() + ".parquet";
  } else {
    target = write_dir;
    std::string list;
    for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
    // APPEND: the table's folder already holds files of earlier writes (and of the table an
    // overwrite replaces); new files get fresh uuid names next to them.
    options += ", PARTITION_BY (" + list +
               "), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'ducklake-{uuid}', APPEND true";
  }
  std::vector<WrittenFile> out;
  // DuckDB closes partition files beyond 100 open ones and flushes small row groups every
  // 512K rows; both make many small files. One file per partition and write is what the lake
  // wants, so raise both for this statement and restore the caller's values after.
  std::vector<std::pair<std::string, std::string>> saved;
  if (!keys.empty()) {
    for (const char* name : {"partitioned_write_max_open_files", "partitioned_write_flush_threshold"}) {
      auto v = con.query(std::string("SELECT current_setting('") + name + "')::VARCHAR").rows_as_text();
      saved.emplace_back(name, v.empty() ? "" : v[0][0].value_or(""));
    }
    con.execute(
        "SET partitioned_write_max_open_files = 100000; SET partitioned_write_flush_threshold = 8000000");
  }
  struct Restore {
    engine::Connection& con;
    const std::vector<std::pair<std::string, std::string>>& saved;
    ~Restore() {
      for (const auto& [name, value] : saved) {
        try {
          con.execute("SET " + name + " = " + value);
        } catch (...) {  // best effort: a setting we could read can be set back
        }
      }
    }
  } restore{con, saved};
  // A COPY that fails half way (a query error, an interrupt) may leave a partial file: remove
  // what it wrote, so a failed write leaves no orphan behind (cleanup would only find it later).
  std::set<std::string> existing;
  if (!keys.empty() && files.is_local())
    for (const auto& e : files.list(table_dir)) existing.insert(e.relative_path);
  engine::Result r = [&] {
    try {
      return con.query("COPY (" + query + ") TO " + quote_literal(target) + " (" + options + ")");
    } catch (...) {
      if (files.is_local())
        remove_partial(files, keys.empty(), target, table_dir, existing);
      else
        files.discard_staged(table_dir);
      throw;
    }
  }();
  while (auto chunk = r.next_chunk()) {
    for (std::size_t row = 0; row < chunk->size(); ++row) {
      WrittenFile f;
      f.full_path = chunk->get<std::string>(0, row);
      f.record_count = chunk->get<std::int64_t>(1, row);
      f.file_size_bytes = chunk->get<std::int64_t>(2, row);
      f.footer_size = chunk->get<std::int64_t>(3, row);
      out.push_back(std::move(f));
    }
  }
  std::vector<WrittenFile> kept;
  // Uploads what DuckDB wrote (object stores) and names each file by its lake location.
  struct Staged {
    storage::FileSystem& files;
    const std::string& table_dir;
    bool armed = true;
    ~Staged() {
      if (armed && !files.is_local()) files.discard_staged(table_dir);
    }
  } staged{files, table_dir};
  for (auto& f : out) {
    const std::string local = f.full_path;
    if (!files.is_local()) f.full_path = table_dir + local.substr(std::min(local.size(), write_dir.size()));
    if (f.record_count == 0) {
      if (files.is_local()) remove_quietly(files, f.full_path);
      continue;
    }
    f.path = f.full_path.rfind(table_dir, 0) == 0 ? f.full_path.substr(table_dir.size()) : f.full_path;
    f.stats = parquet_column_stats(con, local, table.columns);
    files.publish(f.full_path);
    if (!keys.empty()) {
      // day=2026-01-01/ducklake-....parquet: one folder per key, in key order.
      std::int64_t index = 0;
      std::size_t start = 0;
      for (std::size_t slash = f.path.find('/'); slash != std::string::npos;
           slash = f.path.find('/', start)) {
        std::string seg = f.path.substr(start, slash - start);
        auto eq = seg.find('=');
        if (eq != std::string::npos) f.partition_values[index++] = percent_decode(seg.substr(eq + 1));
        start = slash + 1;
      }
    }
    kept.push_back(std::move(f));
  }
  return kept;  // Staged drops what was not published (empty files; all of it after an error)
}

WrittenFile write_delete_file(engine::Connection& con, const std::string& positions_sql,
                              const std::string& data_file_path, const std::string& table_dir,
                              storage::FileSystem& files) {
  WrittenFile f;
  files.create_dirs(table_dir);
  f.path = "ducklake-" + random_uuid() + "-delete.parquet";
  f.full_path = table_dir + f.path;
  engine::Result r = [&] {
    try {
      return con.query(fmt::format(
          "COPY (SELECT {}::VARCHAR AS file_path, pos::BIGINT AS pos FROM ({}) AS d ORDER BY pos) TO {} "
          "(FORMAT "
          "parquet, FIELD_IDS {{file_path: 2147483546, pos: 2147483545}}, RETURN_STATS true)",
          quote_literal(data_file_path), positions_sql, quote_literal(files.staging_path(f.full_path))));
    } catch (...) {
      files.discard_staged(f.full_path);
      throw;
    }
  }();
  auto chunk = r.next_chunk();
  if (!chunk || chunk->size() == 0)
    throw UserError("writing delete file " + f.full_path + " returned nothing");
  f.record_count = chunk->get<std::int64_t>(1, 0);
  f.file_size_bytes = chunk->get<std::int64_t>(2, 0);
  f.footer_size = chunk->get<std::int64_t>(3, 0);
  files.publish(f.full_path);
  return f;
}

}  // namespace pond::lake
