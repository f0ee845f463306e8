#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lake/catalog_db.hpp"
#include "lake/model.hpp"

namespace pond::lake {

// Reads the state of a DuckLake catalog at a snapshot: a row is visible at snapshot S when
// begin_snapshot <= S and (end_snapshot IS NULL or end_snapshot > S).
class CatalogReader {
 public:
  explicit CatalogReader(CatalogDb& db) : db_(db) {}

  std::optional<std::string> metadata(const std::string& key);
  Snapshot latest_snapshot();
  // Throws UserError when the snapshot does not exist.
  Snapshot snapshot(std::int64_t id);
  // The newest snapshot taken at or before `timestamp` (text DuckDB/SQL can compare).
  Snapshot snapshot_at_time(const std::string& timestamp);
  std::vector<Snapshot> snapshots();

  std::vector<Schema> schemas(std::int64_t snapshot);
  std::optional<Schema> find_schema(std::int64_t snapshot, const std::string& name);
  std::vector<Table> tables(std::int64_t snapshot);
  std::optional<Table> find_table(std::int64_t snapshot, const std::string& schema, const std::string& name);
  std::vector<View> views(std::int64_t snapshot);

  std::vector<Column> columns(std::int64_t table_id, std::int64_t snapshot);
  // ducklake_tag of a table, view or schema id at a snapshot (key -> value).
  std::map<std::string, std::string> tags(std::int64_t object_id, std::int64_t snapshot);
  std::optional<PartitionSpec> partition(std::int64_t table_id, std::int64_t snapshot);
  std::vector<DataFile> data_files(std::int64_t table_id, std::int64_t snapshot);
  std::vector<DeleteFile> delete_files(std::int64_t table_id, std::int64_t snapshot);
  // data_file_id -> its column stats, for the files visible at the snapshot.
  std::map<std::int64_t, std::vector<ColumnStats>> file_stats(std::int64_t table_id, std::int64_t snapshot);
  std::vector<InlinedTable> inlined_tables(std::int64_t table_id);
  // The snapshot at which the table's schema version `version` began.
  std::optional<std::int64_t> schema_version_start(std::int64_t table_id, std::int64_t version);
  // The largest column id the table ever used (dropped columns included).
  std::int64_t max_column_id(std::int64_t table_id);

  CatalogDb& db() { return db_; }

 private:
  void fill_table(Table& t, std::int64_t snapshot);
  CatalogDb& db_;
};

}  // namespace pond::lake
