#include "lake/catalog_schema.hpp"

#include <vector>

#include "common/build_info.hpp"
#include "common/error.hpp"
#include "lake/sql_text.hpp"

namespace pond::lake {

namespace {

// Column lists of the DuckLake 1.0 catalog tables, in the order the spec (and DuckDB's
// extension) defines them. "UUID"/"TSTZ" are spelled per catalog database.
struct TableDef {
  const char* name;
  const char* columns;
};

constexpr TableDef kTables[] = {
    {"ducklake_metadata", "key VARCHAR NOT NULL, value VARCHAR NOT NULL, scope VARCHAR, scope_id BIGINT"},
    {"ducklake_snapshot",
     "snapshot_id BIGINT PRIMARY KEY, snapshot_time TSTZ, schema_version BIGINT, next_catalog_id BIGINT, "
     "next_file_id BIGINT"},
    {"ducklake_snapshot_changes",
     "snapshot_id BIGINT PRIMARY KEY, changes_made VARCHAR, author VARCHAR, commit_message VARCHAR, "
     "commit_extra_info VARCHAR"},
    {"ducklake_schema",
     "schema_id BIGINT PRIMARY KEY, schema_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, "
     "schema_name VARCHAR, path VARCHAR, path_is_relative BOOLEAN"},
    {"ducklake_table",
     "table_id BIGINT, table_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, schema_id BIGINT, "
     "table_name VARCHAR, path VARCHAR, path_is_relative BOOLEAN"},
    {"ducklake_view",
     "view_id BIGINT, view_uuid UUID, begin_snapshot BIGINT, end_snapshot BIGINT, schema_id BIGINT, "
     "view_name VARCHAR, dialect VARCHAR, sql VARCHAR, column_aliases VARCHAR"},
    {"ducklake_tag",
     "object_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, key VARCHAR, value VARCHAR"},
    {"ducklake_column_tag",
     "table_id BIGINT, column_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, key VARCHAR, value "
     "VARCHAR"},
    {"ducklake_data_file",
     "data_file_id BIGINT PRIMARY KEY, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, "
     "file_order BIGINT, path VARCHAR, path_is_relative BOOLEAN, file_format VARCHAR, record_count BIGINT, "
     "file_size_bytes BIGINT, footer_size BIGINT, row_id_start BIGINT, partition_id BIGINT, "
     "encryption_key VARCHAR, mapping_id BIGINT, partial_max BIGINT"},
    {"ducklake_file_column_stats",
     "data_file_id BIGINT, table_id BIGINT, column_id BIGINT, column_size_bytes BIGINT, value_count BIGINT, "
     "null_count BIGINT, min_value VARCHAR, max_value VARCHAR, contains_nan BOOLEAN, extra_stats VARCHAR"},
    {"ducklake_file_variant_stats",
     "data_file_id BIGINT, table_id BIGINT, column_id BIGINT, variant_path VARCHAR, shredded_type VARCHAR, "
     "column_size_bytes BIGINT, value_count BIGINT, null_count BIGINT, min_value VARCHAR, max_value VARCHAR, "
     "contains_nan BOOLEAN, extra_stats VARCHAR"},
    {"ducklake_delete_file",
     "delete_file_id BIGINT PRIMARY KEY, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, "
     "data_file_id BIGINT, path VARCHAR, path_is_relative BOOLEAN, format VARCHAR, delete_count BIGINT, "
     "file_size_bytes BIGINT, footer_size BIGINT, encryption_key VARCHAR, partial_max BIGINT"},
    {"ducklake_column",
     "column_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT, table_id BIGINT, column_order BIGINT, "
     "column_name VARCHAR, column_type VARCHAR, initial_default VARCHAR, default_value VARCHAR, "
     "nulls_allowed BOOLEAN, parent_column BIGINT, default_value_type VARCHAR, default_value_dialect "
     "VARCHAR"},
    {"ducklake_table_stats",
     "table_id BIGINT, record_count BIGINT, next_row_id BIGINT, file_size_bytes BIGINT"},
    {"ducklake_table_column_stats",
     "table_id BIGINT, column_id BIGINT, contains_null BOOLEAN, contains_nan BOOLEAN, min_value VARCHAR, "
     "max_value VARCHAR, extra_stats VARCHAR"},
    {"ducklake_partition_info",
     "partition_id BIGINT, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT"},
    {"ducklake_partition_column",
     "partition_id BIGINT, table_id BIGINT, partition_key_index BIGINT, column_id BIGINT, transform VARCHAR"},
    {"ducklake_file_partition_value",
     "data_file_id BIGINT, table_id BIGINT, partition_key_index BIGINT, partition_value VARCHAR"},
    {"ducklake_files_scheduled_for_deletion",
     "data_file_id BIGINT, path VARCHAR, path_is_relative BOOLEAN, schedule_start TSTZ"},
    {"ducklake_inlined_data_tables", "table_id BIGINT, table_name VARCHAR, schema_version BIGINT"},
    {"ducklake_column_mapping", "mapping_id BIGINT, table_id BIGINT, type VARCHAR"},
    {"ducklake_name_mapping",
     "mapping_id BIGINT, column_id BIGINT, source_name VARCHAR, target_field_id BIGINT, parent_column "
     "BIGINT, "
     "is_partition BOOLEAN"},
    {"ducklake_schema_versions", "begin_snapshot BIGINT, schema_version BIGINT, table_id BIGINT"},
    {"ducklake_macro",
     "schema_id BIGINT, macro_id BIGINT, macro_name VARCHAR, begin_snapshot BIGINT, end_snapshot BIGINT"},
    {"ducklake_macro_impl", "macro_id BIGINT, impl_id BIGINT, dialect VARCHAR, sql VARCHAR, type VARCHAR"},
    {"ducklake_macro_parameters",
     "macro_id BIGINT, impl_id BIGINT, column_id BIGINT, parameter_name VARCHAR, parameter_type VARCHAR, "
     "default_value VARCHAR, default_value_type VARCHAR"},
    {"ducklake_sort_info", "sort_id BIGINT, table_id BIGINT, begin_snapshot BIGINT, end_snapshot BIGINT"},
    {"ducklake_sort_expression",
     "sort_id BIGINT, table_id BIGINT, sort_key_index BIGINT, expression VARCHAR, dialect VARCHAR, "
     "sort_direction VARCHAR, null_order VARCHAR"},
};

std::string spell(const CatalogDb& db, std::string columns) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t p = columns.find(from); p != std::string::npos; p = columns.find(from, p + to.size()))
      columns.replace(p, from.size(), to);
  };
  replace_all("TSTZ", db.timestamptz_type());
  replace_all(" UUID", " " + db.uuid_type());
  return columns;
}

}  // namespace

void check_catalog_version(CatalogDb& db, const std::string& where) {
  if (!db.table_exists("ducklake_metadata"))
    throw UserError("catalog " + where + " holds no DuckLake lake (no ducklake_metadata table)",
                    "create the lake first (pond creates it on the first write)");
  auto rows = db.query("SELECT value FROM ducklake_metadata WHERE key = 'version' AND scope IS NULL");
  std::string version = rows.empty() || !rows[0][0] ? "" : *rows[0][0];
  if (version != kDuckLakeVersion)
    throw UserError("catalog " + where + " is a DuckLake lake of format version '" + version +
                        "'; pond reads " + std::string(kDuckLakeVersion),
                    "migrate the lake with DuckDB's ducklake extension, or point pond at another catalog");
}

void initialize_catalog(CatalogDb& db, const std::string& data_path) {
  if (db.table_exists("ducklake_metadata") && db.table_exists("ducklake_snapshot")) {
    check_catalog_version(db, "");
    return;
  }
  CatalogTransaction tx(db, true);
  // Two processes writing a new lake at once create it once: SQLite's write transaction
  // serialises them, PostgreSQL needs a lock of its own (concurrent CREATE TABLE IF NOT EXISTS
  // collide); the second then finds the lake made and only checks it.
  if (db.kind() == state::Kind::kPostgres) db.query("SELECT pg_advisory_xact_lock(7283499)");
  if (db.table_exists("ducklake_metadata") && db.table_exists("ducklake_snapshot")) {
    check_catalog_version(db, "");
    return;
  }
  for (const auto& t : kTables)
    db.execute("CREATE TABLE IF NOT EXISTS " + std::string(t.name) + " (" + spell(db, t.columns) + ")");
  // Indexes for the lookups every read makes (by table and snapshot range).
  db.execute(
      "CREATE INDEX IF NOT EXISTS ducklake_data_file_table ON ducklake_data_file (table_id, end_snapshot)");
  db.execute(
      "CREATE INDEX IF NOT EXISTS ducklake_delete_file_table ON ducklake_delete_file (table_id, "
      "end_snapshot)");
  db.execute(
      "CREATE INDEX IF NOT EXISTS ducklake_file_column_stats_file ON ducklake_file_column_stats "
      "(data_file_id)");
  db.execute("CREATE INDEX IF NOT EXISTS ducklake_column_table ON ducklake_column (table_id)");
  const std::string created_by = "pond " + std::string(pond_version());
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"version", kDuckLakeVersion},
                                                                             {"created_by", created_by},
                                                                             {"data_path", data_path},
                                                                             {"encrypted", "false"}})
    db.execute("INSERT INTO ducklake_metadata (key, value, scope, scope_id) VALUES (?, ?, NULL, NULL)",
               {k, v});
  db.execute(
      "INSERT INTO ducklake_snapshot (snapshot_id, snapshot_time, schema_version, next_catalog_id, "
      "next_file_id) "
      "VALUES (0, ?, 0, 1, 0)",
      {sql_utc_now()});
  db.execute(
      "INSERT INTO ducklake_snapshot_changes (snapshot_id, changes_made, author, commit_message, "
      "commit_extra_info) VALUES (0, 'created_schema:\"main\"', NULL, NULL, NULL)");
  db.execute(
      "INSERT INTO ducklake_schema (schema_id, schema_uuid, begin_snapshot, end_snapshot, schema_name, path, "
      "path_is_relative) VALUES (0, ?, 0, NULL, 'main', 'main/', ?)",
      {random_uuid(), true});
  tx.commit();
}

}  // namespace pond::lake
