#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pond::lake {

// One row of ducklake_snapshot with its ducklake_snapshot_changes.
struct Snapshot {
  std::int64_t id = 0;
  std::string time;  // as the catalog stores it (UTC)
  std::int64_t schema_version = 0;
  std::int64_t next_catalog_id = 0;
  std::int64_t next_file_id = 0;
  std::string changes;
  std::optional<std::string> author;
  std::optional<std::string> commit_message;
};

// A column of a table at a snapshot; nested types (list/struct/map) have children whose
// column ids are field ids inside the parquet files too.
struct Column {
  std::int64_t id = 0;
  std::int64_t order = 0;
  std::string name;
  std::string type;  // DuckLake type name ("int32", "decimal(10,2)", "list", ...)
  std::optional<std::string> initial_default;
  std::optional<std::string> default_value;
  bool nulls_allowed = true;
  std::vector<Column> children;
  std::optional<std::string> comment;  // ducklake_column_tag 'comment'
};

struct Schema {
  std::int64_t id = 0;
  std::string uuid;
  std::string name;
  std::string path;
  bool path_is_relative = true;
};

// One partition key: the column it derives from and the transform (identity, year, ...).
struct PartitionField {
  std::int64_t key_index = 0;
  std::int64_t column_id = 0;
  std::string transform = "identity";
};

struct PartitionSpec {
  std::int64_t id = 0;
  std::vector<PartitionField> fields;
};

struct Table {
  std::int64_t id = 0;
  std::string uuid;
  std::int64_t schema_id = 0;
  std::string schema_name;
  std::string name;
  std::string path;  // relative to the schema's path when path_is_relative
  bool path_is_relative = true;
  std::string schema_path;
  bool schema_path_is_relative = true;
  std::int64_t begin_snapshot = 0;
  std::vector<Column> columns;  // top level, in column_order
  std::optional<PartitionSpec> partition;
  std::map<std::string, std::string> tags;  // ducklake_tag (COMMENT ON TABLE is key 'comment')

  std::string qualified_name() const { return schema_name + "." + name; }
  const Column* find_column(const std::string& column_name) const;
};

struct View {
  std::int64_t id = 0;
  std::string uuid;
  std::int64_t schema_id = 0;
  std::string schema_name;
  std::string name;
  std::string dialect;
  std::string sql;
  std::optional<std::string> column_aliases;
  std::map<std::string, std::string> tags;
};

struct DataFile {
  std::int64_t id = 0;
  std::int64_t table_id = 0;
  std::int64_t begin_snapshot = 0;
  std::string path;
  bool path_is_relative = true;
  std::string format = "parquet";
  std::int64_t record_count = 0;
  std::int64_t file_size_bytes = 0;
  std::int64_t footer_size = 0;
  std::int64_t row_id_start = 0;
  std::optional<std::int64_t> partition_id;
  std::optional<std::int64_t> mapping_id;
  std::optional<std::int64_t> partial_max;
  std::optional<std::string> encryption_key;             // base64, for an encrypted lake
  std::map<std::int64_t, std::string> partition_values;  // key index -> value
};

struct DeleteFile {
  std::int64_t id = 0;
  std::int64_t table_id = 0;
  std::int64_t begin_snapshot = 0;
  std::int64_t data_file_id = 0;
  std::string path;
  bool path_is_relative = true;
  std::string format = "parquet";
  std::int64_t delete_count = 0;
  std::int64_t file_size_bytes = 0;
  std::int64_t footer_size = 0;
  std::optional<std::string> encryption_key;
  std::optional<std::int64_t> partial_max;  // set: rows carry the snapshot of their delete
};

// Per-file statistics of one column (ducklake_file_column_stats), min/max as text.
struct ColumnStats {
  std::int64_t column_id = 0;
  std::int64_t column_size_bytes = 0;
  std::int64_t value_count = 0;
  std::int64_t null_count = 0;
  std::optional<std::string> min_value;
  std::optional<std::string> max_value;
};

// A table's inlined rows (ducklake_inlined_data_tables): rows kept inside the catalog.
struct InlinedTable {
  std::string table_name;
  std::int64_t schema_version = 0;
};

}  // namespace pond::lake
