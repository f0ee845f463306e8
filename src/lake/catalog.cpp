#include "lake/catalog.hpp"

#include <algorithm>
#include <functional>

#include "common/error.hpp"
#include "lake/sql_text.hpp"

namespace pond::lake {

namespace {

constexpr const char* kVisible = " begin_snapshot <= ? AND (end_snapshot IS NULL OR end_snapshot > ?) ";

std::string text(const std::optional<std::string>& v) {
  return v ? *v : std::string();
}

Snapshot snapshot_from(const Row& r) {
  Snapshot s;
  s.id = to_int(r[0]);
  s.time = text(r[1]);
  s.schema_version = to_int(r[2]);
  s.next_catalog_id = to_int(r[3]);
  s.next_file_id = to_int(r[4]);
  s.changes = text(r[5]);
  s.author = r[6];
  s.commit_message = r[7];
  return s;
}

constexpr const char* kSnapshotSelect =
    "SELECT s.snapshot_id, s.snapshot_time, s.schema_version, s.next_catalog_id, s.next_file_id, "
    "c.changes_made, c.author, c.commit_message FROM ducklake_snapshot s LEFT JOIN ducklake_snapshot_changes "
    "c "
    "ON c.snapshot_id = s.snapshot_id ";

}  // namespace

std::optional<std::string> CatalogReader::metadata(const std::string& key) {
  auto rows = db_.query("SELECT value FROM ducklake_metadata WHERE key = ? AND scope IS NULL", {key});
  if (rows.empty()) return std::nullopt;
  return rows[0][0];
}

Snapshot CatalogReader::latest_snapshot() {
  auto rows = db_.query(std::string(kSnapshotSelect) +
                        "WHERE s.snapshot_id = (SELECT max(snapshot_id) FROM ducklake_snapshot)");
  if (rows.empty()) throw UserError("the lake catalog has no snapshot");
  return snapshot_from(rows[0]);
}

Snapshot CatalogReader::snapshot(std::int64_t id) {
  auto rows = db_.query(std::string(kSnapshotSelect) + "WHERE s.snapshot_id = ?", {id});
  if (rows.empty()) {
    auto latest = latest_snapshot();
    throw UserError("the lake has no snapshot " + std::to_string(id),
                    "snapshots go up to " + std::to_string(latest.id) + " (pond lake snapshots lists them)");
  }
  return snapshot_from(rows[0]);
}

Snapshot CatalogReader::snapshot_at_time(const std::string& timestamp) {
  // Compare in the catalog database's own terms; the text form sorts correctly in UTC.
  auto all = snapshots();
  std::optional<Snapshot> best;
  for (auto& s : all)
    if (s.time.substr(0, std::min(s.time.size(), std::size_t{26})) <= timestamp) best = s;
  if (!best) throw UserError("the lake has no snapshot at or before " + timestamp);
  return *best;
}

std::vector<Snapshot> CatalogReader::snapshots() {
  std::vector<Snapshot> out;
  for (auto& r : db_.query(std::string(kSnapshotSelect) + "ORDER BY s.snapshot_id"))
    out.push_back(snapshot_from(r));
  return out;
}

std::vector<Schema> CatalogReader::schemas(std::int64_t snapshot) {
  std::vector<Schema> out;
  for (auto& r :
       db_.query("SELECT schema_id, schema_uuid, schema_name, path, path_is_relative FROM ducklake_schema "
                 "WHERE" +
                     std::string(kVisible) + "ORDER BY schema_id",
                 {snapshot, snapshot})) {
    out.push_back({to_int(r[0]), text(r[1]), text(r[2]), text(r[3]), to_bool(r[4], true)});
  }
  return out;
}

std::optional<Schema> CatalogReader::find_schema(std::int64_t snapshot, const std::string& name) {
  for (auto& s : schemas(snapshot))
    if (s.name == name) return s;
  return std::nullopt;
}

std::vector<Table> CatalogReader::tables(std::int64_t snapshot) {
  std::vector<Table> out;
  auto rows = db_.query(
      "SELECT t.table_id, t.table_uuid, t.schema_id, s.schema_name, t.table_name, t.path, "
      "t.path_is_relative, "
      "s.path, s.path_is_relative, t.begin_snapshot FROM ducklake_table t JOIN ducklake_schema s ON "
      "s.schema_id = "
      "t.schema_id AND s.begin_snapshot <= ? AND (s.end_snapshot IS NULL OR s.end_snapshot > ?) WHERE "
      "t.begin_snapshot <= ? AND (t.end_snapshot IS NULL OR t.end_snapshot > ?) ORDER BY s.schema_name, "
      "t.table_name",
      {snapshot, snapshot, snapshot, snapshot});
  for (auto& r : rows) {
    Table t;
    t.id = to_int(r[0]);
    t.uuid = text(r[1]);
    t.schema_id = to_int(r[2]);
    t.schema_name = text(r[3]);
    t.name = text(r[4]);
    t.path = text(r[5]);
    t.path_is_relative = to_bool(r[6], true);
    t.schema_path = text(r[7]);
    t.schema_path_is_relative = to_bool(r[8], true);
    t.begin_snapshot = to_int(r[9]);
    fill_table(t, snapshot);
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<Table> CatalogReader::find_table(std::int64_t snapshot, const std::string& schema,
                                               const std::string& name) {
  for (auto& t : tables(snapshot))
    if (t.schema_name == schema && t.name == name) return t;
  return std::nullopt;
}

void CatalogReader::fill_table(Table& t, std::int64_t snapshot) {
  t.columns = columns(t.id, snapshot);
  t.partition = partition(t.id, snapshot);
  t.tags = tags(t.id, snapshot);
}

std::map<std::string, std::string> CatalogReader::tags(std::int64_t object_id, std::int64_t snapshot) {
  std::map<std::string, std::string> out;
  for (auto& r :
       db_.query("SELECT key, value FROM ducklake_tag WHERE object_id = ? AND" + std::string(kVisible),
                 {object_id, snapshot, snapshot}))
    if (r[0]) out[*r[0]] = r[1].value_or("");
  return out;
}

std::vector<View> CatalogReader::views(std::int64_t snapshot) {
  std::vector<View> out;
  auto rows = db_.query(
      "SELECT v.view_id, v.view_uuid, v.schema_id, s.schema_name, v.view_name, v.dialect, v.sql, "
      "v.column_aliases "
      "FROM ducklake_view v JOIN ducklake_schema s ON s.schema_id = v.schema_id AND s.begin_snapshot <= ? "
      "AND "
      "(s.end_snapshot IS NULL OR s.end_snapshot > ?) WHERE v.begin_snapshot <= ? AND (v.end_snapshot IS "
      "NULL OR "
      "v.end_snapshot > ?) ORDER BY s.schema_name, v.view_name",
      {snapshot, snapshot, snapshot, snapshot});
  for (auto& r : rows) {
    out.push_back(
        {to_int(r[0]), text(r[1]), to_int(r[2]), text(r[3]), text(r[4]), text(r[5]), text(r[6]), r[7], {}});
    out.back().tags = tags(out.back().id, snapshot);
  }
  return out;
}

std::vector<Column> CatalogReader::columns(std::int64_t table_id, std::int64_t snapshot) {
  auto rows = db_.query(
      "SELECT column_id, column_order, column_name, column_type, initial_default, default_value, "
      "nulls_allowed, "
      "parent_column FROM ducklake_column WHERE table_id = ? AND" +
          std::string(kVisible) + "ORDER BY column_order",
      {table_id, snapshot, snapshot});
  std::map<std::int64_t, std::string> comments;
  for (auto& r : db_.query(
           "SELECT column_id, value FROM ducklake_column_tag WHERE table_id = ? AND key = 'comment' AND" +
               std::string(kVisible),
           {table_id, snapshot, snapshot}))
    if (r[1]) comments[to_int(r[0])] = *r[1];
  std::vector<std::pair<std::optional<std::int64_t>, Column>> flat;
  for (auto& r : rows) {
    Column c;
    c.id = to_int(r[0]);
    c.order = to_int(r[1]);
    c.name = text(r[2]);
    c.type = text(r[3]);
    c.initial_default = r[4];
    c.default_value = r[5];
    c.nulls_allowed = to_bool(r[6], true);
    if (auto it = comments.find(c.id); it != comments.end()) c.comment = it->second;
    flat.emplace_back(to_opt_int(r[7]), std::move(c));
  }
  std::function<void(Column&)> attach_children = [&](Column& parent) {
    for (auto& [p, c] : flat) {
      if (p && *p == parent.id) {
        Column child = c;
        attach_children(child);
        parent.children.push_back(std::move(child));
      }
    }
  };
  std::vector<Column> out;
  for (auto& [p, c] : flat) {
    if (p) continue;
    Column top = c;
    attach_children(top);
    out.push_back(std::move(top));
  }
  return out;
}

std::optional<PartitionSpec> CatalogReader::partition(std::int64_t table_id, std::int64_t snapshot) {
  auto rows = db_.query("SELECT partition_id FROM ducklake_partition_info WHERE table_id = ? AND" +
                            std::string(kVisible) + "ORDER BY partition_id DESC",
                        {table_id, snapshot, snapshot});
  if (rows.empty()) return std::nullopt;
  PartitionSpec spec;
  spec.id = to_int(rows[0][0]);
  for (auto& r :
       db_.query("SELECT partition_key_index, column_id, transform FROM ducklake_partition_column WHERE "
                 "partition_id = ? AND table_id = ? ORDER BY partition_key_index",
                 {spec.id, table_id}))
    spec.fields.push_back({to_int(r[0]), to_int(r[1]), text(r[2])});
  return spec;
}

std::vector<DataFile> CatalogReader::data_files(std::int64_t table_id, std::int64_t snapshot) {
  std::vector<DataFile> out;
  auto rows = db_.query(
      "SELECT data_file_id, begin_snapshot, path, path_is_relative, file_format, record_count, "
      "file_size_bytes, "
      "footer_size, row_id_start, partition_id, mapping_id, partial_max, encryption_key FROM "
      "ducklake_data_file "
      "WHERE "
      "table_id = ? "
      "AND" +
          std::string(kVisible) + "ORDER BY file_order, data_file_id",
      {table_id, snapshot, snapshot});
  std::map<std::int64_t, std::size_t> index;
  for (auto& r : rows) {
    DataFile f;
    f.id = to_int(r[0]);
    f.table_id = table_id;
    f.begin_snapshot = to_int(r[1]);
    f.path = text(r[2]);
    f.path_is_relative = to_bool(r[3], true);
    f.format = r[4] ? *r[4] : "parquet";
    f.record_count = to_int(r[5]);
    f.file_size_bytes = to_int(r[6]);
    f.footer_size = to_int(r[7]);
    f.row_id_start = to_int(r[8]);
    f.partition_id = to_opt_int(r[9]);
    f.mapping_id = to_opt_int(r[10]);
    f.partial_max = to_opt_int(r[11]);
    if (r[12] && !r[12]->empty()) f.encryption_key = r[12];
    index[f.id] = out.size();
    out.push_back(std::move(f));
  }
  if (!out.empty()) {
    auto pv = db_.query(
        "SELECT v.data_file_id, v.partition_key_index, v.partition_value FROM ducklake_file_partition_value "
        "v JOIN "
        "ducklake_data_file f ON f.data_file_id = v.data_file_id WHERE v.table_id = ? AND f.begin_snapshot "
        "<= ? AND "
        "(f.end_snapshot IS NULL OR f.end_snapshot > ?)",
        {table_id, snapshot, snapshot});
    for (auto& r : pv) {
      auto it = index.find(to_int(r[0]));
      if (it != index.end()) out[it->second].partition_values[to_int(r[1])] = text(r[2]);
    }
  }
  return out;
}

std::vector<DeleteFile> CatalogReader::delete_files(std::int64_t table_id, std::int64_t snapshot) {
  std::vector<DeleteFile> out;
  for (auto& r :
       db_.query("SELECT delete_file_id, begin_snapshot, data_file_id, path, path_is_relative, format, "
                 "delete_count, file_size_bytes, footer_size, encryption_key, partial_max FROM "
                 "ducklake_delete_file "
                 "WHERE table_id = ? "
                 "AND" +
                     std::string(kVisible) + "ORDER BY delete_file_id",
                 {table_id, snapshot, snapshot})) {
    DeleteFile d;
    d.id = to_int(r[0]);
    d.table_id = table_id;
    d.begin_snapshot = to_int(r[1]);
    d.data_file_id = to_int(r[2]);
    d.path = text(r[3]);
    d.path_is_relative = to_bool(r[4], true);
    d.format = r[5] ? *r[5] : "parquet";
    d.delete_count = to_int(r[6]);
    d.file_size_bytes = to_int(r[7]);
    d.footer_size = to_int(r[8]);
    if (r[9] && !r[9]->empty()) d.encryption_key = r[9];
    d.partial_max = to_opt_int(r[10]);
    out.push_back(std::move(d));
  }
  return out;
}

std::map<std::int64_t, std::vector<ColumnStats>> CatalogReader::file_stats(std::int64_t table_id,
                                                                           std::int64_t snapshot) {
  std::map<std::int64_t, std::vector<ColumnStats>> out;
  auto rows = db_.query(
      "SELECT s.data_file_id, s.column_id, s.column_size_bytes, s.value_count, s.null_count, s.min_value, "
      "s.max_value FROM ducklake_file_column_stats s JOIN ducklake_data_file f ON f.data_file_id = "
      "s.data_file_id "
      "WHERE s.table_id = ? AND f.begin_snapshot <= ? AND (f.end_snapshot IS NULL OR f.end_snapshot > ?)",
      {table_id, snapshot, snapshot});
  for (auto& r : rows)
    out[to_int(r[0])].push_back({to_int(r[1]), to_int(r[2]), to_int(r[3]), to_int(r[4]), r[5], r[6]});
  return out;
}

std::vector<InlinedTable> CatalogReader::inlined_tables(std::int64_t table_id) {
  std::vector<InlinedTable> out;
  if (!db_.table_exists("ducklake_inlined_data_tables")) return out;
  for (auto& r :
       db_.query("SELECT table_name, schema_version FROM ducklake_inlined_data_tables WHERE table_id = ? "
                 "ORDER BY schema_version",
                 {table_id}))
    out.push_back({text(r[0]), to_int(r[1])});
  return out;
}

std::optional<std::int64_t> CatalogReader::schema_version_start(std::int64_t table_id, std::int64_t version) {
  auto rows = db_.query(
      "SELECT min(begin_snapshot) FROM ducklake_schema_versions WHERE table_id = ? AND schema_version = ?",
      {table_id, version});
  if (!rows.empty() && rows[0][0]) return to_int(rows[0][0]);
  // Catalogs without the per-table column: the first snapshot with that schema version.
  rows = db_.query("SELECT min(snapshot_id) FROM ducklake_snapshot WHERE schema_version = ?", {version});
  if (!rows.empty() && rows[0][0]) return to_int(rows[0][0]);
  return std::nullopt;
}

std::int64_t CatalogReader::max_column_id(std::int64_t table_id) {
  auto rows = db_.query("SELECT max(column_id) FROM ducklake_column WHERE table_id = ?", {table_id});
  return rows.empty() ? 0 : to_int(rows[0][0]);
}

}  // namespace pond::lake
