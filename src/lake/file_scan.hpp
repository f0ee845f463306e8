#pragma once
// How one data or delete file is read when its columns cannot simply be matched by the
// field ids the table has now: files registered with the extension's
// ducklake_add_data_files (a `map_by_name` name mapping: parquet names -> field ids, nested
// entries through `parent_column`, `is_partition` values taken from hive folders of the
// path), and files written before a nested field was renamed, added or dropped (read by
// the names they were written with). Also the SQL of a delete file's positions.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/catalog_db.hpp"
#include "lake/model.hpp"

namespace pond::lake {

// One entry of a name mapping: the parquet field `source` holds field id `target`.
struct NameMapEntry {
  std::string source;
  std::int64_t target = 0;
  bool partition = false;  // the value comes from the file's hive folder `source=value`
  std::vector<NameMapEntry> children;
};

// The mapping `mapping_id` as a tree (ducklake_column_mapping + ducklake_name_mapping).
// Throws UserError naming the table for an unknown mapping type or a broken parent chain.
std::vector<NameMapEntry> load_name_map(CatalogDb& db, std::int64_t mapping_id, const std::string& table);

// The mapping a file written with `columns` (names and ids of that time) amounts to.
std::vector<NameMapEntry> name_map_of(const std::vector<Column>& columns);

// key -> value of the hive folders in a path (`day=2026-01-01/`), as DuckDB reads them:
// the first folder of a key wins; `NULL` and `__HIVE_DEFAULT_PARTITION__` are NULL;
// values are URL-decoded.
std::map<std::string, std::optional<std::string>> hive_partitions(std::string_view path);

// `expr AS "name", ...` for `columns` (today's) from a file read by name through `map`:
// renamed and nested fields by their source names, missing ones their initial default,
// partition ones from `file_path`'s hive folders, all cast to today's types.
std::string mapped_select_list(const std::vector<Column>& columns, const std::vector<NameMapEntry>& map,
                               const std::string& file_path, const std::string& table);

// True when a column kept its id but its nested layout (child names, children added or
// dropped) differs between two versions of a table's columns.
bool nested_layout_differs(const std::vector<Column>& written, const std::vector<Column>& now);

// `, encryption_config={footer_key_value: ...}` for an encrypted file (key as the catalog
// stores it: base64), empty otherwise.
std::string encryption_option(const std::optional<std::string>& key);

// A SELECT of column `pos`: the positions a delete file deletes as seen at `snapshot`
// (parquet positional deletes, also partial ones whose rows carry the snapshot of their
// delete, and puffin deletion vectors). `time_travel`: `snapshot` is older than the lake's
// latest, so rows of the file may carry a later snapshot even without partial_max (the
// extension's flush of inlined deletes writes such files).
std::string deleted_positions_sql(const DeleteFile& file, const std::string& location, std::int64_t snapshot,
                                  bool time_travel = false);

}  // namespace pond::lake
