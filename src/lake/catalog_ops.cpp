#include "lake/catalog_ops.hpp"

#include <functional>
#include <map>

#include "lake/scan.hpp"
#include "lake/sql_text.hpp"

namespace pond::lake {

namespace {

SqlValue opt(const std::optional<std::string>& s) {
  if (s) return *s;
  return std::monostate{};
}

std::string quoted_name(const std::string& n) {
  std::string out = "\"";
  for (char c : n) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Schema insert_schema(CommitContext& ctx, const std::string& name) {
  Schema s;
  s.id = ctx.new_catalog_id();
  s.uuid = random_uuid();
  s.name = name;
  s.path = name + "/";
  ctx.db.execute(
      "INSERT INTO ducklake_schema (schema_id, schema_uuid, begin_snapshot, end_snapshot, schema_name, path, "
      "path_is_relative) VALUES (?, ?, ?, NULL, ?, ?, ?)",
      {s.id, s.uuid, ctx.snapshot_id, s.name, s.path, true});
  ctx.schema_changed = true;
  ctx.change("created_schema:" + quoted_name(name));
  return s;
}

void end_schema(CommitContext& ctx, const Schema& schema) {
  ctx.db.execute("UPDATE ducklake_schema SET end_snapshot = ? WHERE schema_id = ? AND end_snapshot IS NULL",
                 {ctx.snapshot_id, schema.id});
  ctx.schema_changed = true;
  ctx.change("dropped_schema:" + std::to_string(schema.id));
}

void insert_columns(CommitContext& ctx, std::int64_t table_id, const std::vector<Column>& columns,
                    std::optional<std::int64_t> parent) {
  for (const auto& c : columns) {
    ctx.db.execute(
        "INSERT INTO ducklake_column (column_id, begin_snapshot, end_snapshot, table_id, column_order, "
        "column_name, "
        "column_type, initial_default, default_value, nulls_allowed, parent_column, default_value_type, "
        "default_value_dialect) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'duckdb')",
        {c.id, ctx.snapshot_id, table_id, c.order, c.name, c.type, opt(c.initial_default),
         opt(c.default_value), c.nulls_allowed, parent ? SqlValue(*parent) : SqlValue(std::monostate{}),
         std::string(c.children.empty() ? "literal" : "")});
    if (!c.children.empty()) insert_columns(ctx, table_id, c.children, c.id);
  }
}

void end_column(CommitContext& ctx, std::int64_t table_id, std::int64_t column_id) {
  ctx.db.execute(
      "UPDATE ducklake_column SET end_snapshot = ? WHERE table_id = ? AND column_id = ? AND end_snapshot IS "
      "NULL",
      {ctx.snapshot_id, table_id, column_id});
}

void table_altered(CommitContext& ctx, std::int64_t table_id) {
  ctx.schema_changed = true;
  ctx.tables_with_new_schema.insert(table_id);
  ctx.change("altered_table:" + std::to_string(table_id));
}

void insert_partitioning(CommitContext& ctx, Table& table, const std::vector<PartitionField>& fields) {
  ctx.db.execute(
      "UPDATE ducklake_partition_info SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL",
      {ctx.snapshot_id, table.id});
  if (fields.empty()) {
    table.partition.reset();
    return;
  }
  PartitionSpec spec;
  spec.id = ctx.new_catalog_id();
  spec.fields = fields;
  ctx.db.execute(
      "INSERT INTO ducklake_partition_info (partition_id, table_id, begin_snapshot, end_snapshot) VALUES (?, "
      "?, ?, "
      "NULL)",
      {spec.id, table.id, ctx.snapshot_id});
  for (const auto& f : fields)
    ctx.db.execute(
        "INSERT INTO ducklake_partition_column (partition_id, table_id, partition_key_index, column_id, "
        "transform) "
        "VALUES (?, ?, ?, ?, ?)",
        {spec.id, table.id, f.key_index, f.column_id, f.transform});
  table.partition = spec;
}

void insert_table(CommitContext& ctx, Table& table) {
  table.id = ctx.new_catalog_id();
  table.uuid = random_uuid();
  table.path = table.name + "/";
  table.begin_snapshot = ctx.snapshot_id;
  ctx.db.execute(
      "INSERT INTO ducklake_table (table_id, table_uuid, begin_snapshot, end_snapshot, schema_id, "
      "table_name, path, "
      "path_is_relative) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
      {table.id, table.uuid, ctx.snapshot_id, table.schema_id, table.name, table.path, true});
  insert_columns(ctx, table.id, table.columns);
  ctx.db.execute(
      "INSERT INTO ducklake_table_stats (table_id, record_count, next_row_id, file_size_bytes) VALUES (?, 0, "
      "0, 0)",
      {table.id});
  if (table.partition) {
    std::vector<PartitionField> fields = table.partition->fields;
    insert_partitioning(ctx, table, fields);
  }
  ctx.schema_changed = true;
  ctx.tables_with_new_schema.insert(table.id);
  ctx.change("created_table:" + quoted_name(table.schema_name) + "." + quoted_name(table.name));
}

void end_table(CommitContext& ctx, const Table& table) {
  const std::vector<SqlValue> args{ctx.snapshot_id, table.id};
  for (const char* t : {"ducklake_table", "ducklake_column", "ducklake_data_file", "ducklake_delete_file",
                        "ducklake_partition_info", "ducklake_column_tag", "ducklake_sort_info"})
    ctx.db.execute(
        std::string("UPDATE ") + t + " SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL",
        args);
  ctx.schema_changed = true;
  ctx.change("dropped_table:" + std::to_string(table.id));
}

std::int64_t add_data_files(CommitContext& ctx, const Table& table, const std::vector<WrittenFile>& files,
                            bool record_insert) {
  if (files.empty()) return 0;
  auto stats_rows = ctx.db.query(
      "SELECT record_count, next_row_id, file_size_bytes FROM ducklake_table_stats WHERE "
      "table_id = ?",
      {table.id});
  std::int64_t record_count = 0, next_row_id = 0, size = 0;
  bool have_stats = !stats_rows.empty();
  if (have_stats) {
    record_count = to_int(stats_rows[0][0]);
    next_row_id = to_int(stats_rows[0][1]);
    size = to_int(stats_rows[0][2]);
  }
  // Column types by id, for merging min/max of the table-wide statistics.
  std::map<std::int64_t, std::string> type_of;
  std::function<void(const std::vector<Column>&)> collect = [&](const std::vector<Column>& cols) {
    for (const auto& c : cols) {
      type_of[c.id] = c.type;
      collect(c.children);
    }
  };
  collect(table.columns);
  struct Merged {
    bool contains_null = false;
    std::optional<std::string> min, max;
  };
  std::map<std::int64_t, Merged> merged;
  for (auto& r :
       ctx.db.query("SELECT column_id, contains_null, min_value, max_value FROM ducklake_table_column_stats "
                    "WHERE table_id = ?",
                    {table.id}))
    merged[to_int(r[0])] = {to_bool(r[1]), r[2], r[3]};

  std::int64_t rows = 0;
  for (const auto& f : files) {
    std::int64_t file_id = ctx.new_file_id();
    ctx.db.execute(
        "INSERT INTO ducklake_data_file (data_file_id, table_id, begin_snapshot, end_snapshot, file_order, "
        "path, "
        "path_is_relative, file_format, record_count, file_size_bytes, footer_size, row_id_start, "
        "partition_id, "
        "encryption_key, mapping_id, partial_max) VALUES (?, ?, ?, NULL, NULL, ?, ?, 'parquet', ?, ?, ?, ?, "
        "?, NULL, "
        "NULL, NULL)",
        {file_id, table.id, ctx.snapshot_id, f.path, true, f.record_count, f.file_size_bytes, f.footer_size,
         next_row_id, table.partition ? SqlValue(table.partition->id) : SqlValue(std::monostate{})});
    for (const auto& s : f.stats) {
      ctx.db.execute(
          "INSERT INTO ducklake_file_column_stats (data_file_id, table_id, column_id, column_size_bytes, "
          "value_count, "
          "null_count, min_value, max_value, contains_nan, extra_stats) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
          "NULL, NULL)",
          {file_id, table.id, s.column_id, s.column_size_bytes, s.value_count, s.null_count, opt(s.min_value),
           opt(s.max_value)});
      Merged& m = merged[s.column_id];
      const std::string& type = type_of[s.column_id];
      m.contains_null = m.contains_null || s.null_count > 0;
      if (s.min_value && (!m.min || compare_values(type, *s.min_value, *m.min) < 0)) m.min = s.min_value;
      if (s.max_value && (!m.max || compare_values(type, *s.max_value, *m.max) > 0)) m.max = s.max_value;
    }
    for (const auto& [index, value] : f.partition_values)
      ctx.db.execute(
          "INSERT INTO ducklake_file_partition_value (data_file_id, table_id, partition_key_index, "
          "partition_value) "
          "VALUES (?, ?, ?, ?)",
          {file_id, table.id, index, value});
    next_row_id += f.record_count;
    record_count += f.record_count;
    size += f.file_size_bytes;
    rows += f.record_count;
  }
  if (have_stats)
    ctx.db.execute(
        "UPDATE ducklake_table_stats SET record_count = ?, next_row_id = ?, file_size_bytes = ? WHERE "
        "table_id = ?",
        {record_count, next_row_id, size, table.id});
  else
    ctx.db.execute(
        "INSERT INTO ducklake_table_stats (table_id, record_count, next_row_id, file_size_bytes) VALUES (?, "
        "?, ?, ?)",
        {table.id, record_count, next_row_id, size});
  ctx.db.execute("DELETE FROM ducklake_table_column_stats WHERE table_id = ?", {table.id});
  for (const auto& [column_id, m] : merged)
    ctx.db.execute(
        "INSERT INTO ducklake_table_column_stats (table_id, column_id, contains_null, contains_nan, "
        "min_value, "
        "max_value, extra_stats) VALUES (?, ?, ?, NULL, ?, ?, NULL)",
        {table.id, column_id, m.contains_null, opt(m.min), opt(m.max)});
  if (record_insert) ctx.change("inserted_into_table:" + std::to_string(table.id));
  return rows;
}

void end_data_file(CommitContext& ctx, const Table& table, const DataFile& file) {
  ctx.db.execute(
      "UPDATE ducklake_data_file SET end_snapshot = ? WHERE data_file_id = ? AND end_snapshot IS NULL",
      {ctx.snapshot_id, file.id});
  ctx.db.execute(
      "UPDATE ducklake_delete_file SET end_snapshot = ? WHERE data_file_id = ? AND table_id = ? AND "
      "end_snapshot IS "
      "NULL",
      {ctx.snapshot_id, file.id, table.id});
}

void add_delete_file(CommitContext& ctx, const Table& table, std::int64_t data_file_id,
                     const WrittenFile& file) {
  std::int64_t id = ctx.new_file_id();
  ctx.db.execute(
      "INSERT INTO ducklake_delete_file (delete_file_id, table_id, begin_snapshot, end_snapshot, "
      "data_file_id, path, "
      "path_is_relative, format, delete_count, file_size_bytes, footer_size, encryption_key, partial_max) "
      "VALUES (?, "
      "?, ?, NULL, ?, ?, ?, 'parquet', ?, ?, ?, NULL, NULL)",
      {id, table.id, ctx.snapshot_id, data_file_id, file.path, true, file.record_count, file.file_size_bytes,
       file.footer_size});
  ctx.change("deleted_from_table:" + std::to_string(table.id));
}

void end_delete_file(CommitContext& ctx, std::int64_t delete_file_id) {
  ctx.db.execute(
      "UPDATE ducklake_delete_file SET end_snapshot = ? WHERE delete_file_id = ? AND end_snapshot IS NULL",
      {ctx.snapshot_id, delete_file_id});
}

void adjust_record_count(CommitContext& ctx, std::int64_t table_id, std::int64_t delta) {
  ctx.db.execute("UPDATE ducklake_table_stats SET record_count = record_count + ? WHERE table_id = ?",
                 {delta, table_id});
}

}  // namespace pond::lake
