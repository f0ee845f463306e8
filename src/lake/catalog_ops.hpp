#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lake/commit.hpp"
#include "lake/model.hpp"
#include "lake/writer.hpp"

namespace pond::lake {

// Catalog row changes a commit is made of. Rows are only ever inserted, or closed by
// setting end_snapshot; the only rows changed in place are the running totals of
// ducklake_table_stats / ducklake_table_column_stats, which the spec keeps unversioned.

Schema insert_schema(CommitContext& ctx, const std::string& name);
void end_schema(CommitContext& ctx, const Schema& schema);

// Inserts the table, its columns (ids must be assigned), stats row and partitioning.
void insert_table(CommitContext& ctx, Table& table);
// Closes the table and everything of it (columns, files, partitioning).
void end_table(CommitContext& ctx, const Table& table);

void insert_columns(CommitContext& ctx, std::int64_t table_id, const std::vector<Column>& columns,
                    std::optional<std::int64_t> parent = std::nullopt);
void end_column(CommitContext& ctx, std::int64_t table_id, std::int64_t column_id);
void insert_partitioning(CommitContext& ctx, Table& table, const std::vector<PartitionField>& fields);
// Marks the table's schema as changed in this snapshot (schema_version, altered_table).
void table_altered(CommitContext& ctx, std::int64_t table_id);

// Registers written data files: file ids, row ids from the table's next_row_id, stats,
// partition values; updates the table's totals. Returns the rows added.
// `record_insert` false for compaction (rows move, none are new).
std::int64_t add_data_files(CommitContext& ctx, const Table& table, const std::vector<WrittenFile>& files,
                            bool record_insert = true);
void end_data_file(CommitContext& ctx, const Table& table, const DataFile& file);
void add_delete_file(CommitContext& ctx, const Table& table, std::int64_t data_file_id,
                     const WrittenFile& file);
void end_delete_file(CommitContext& ctx, std::int64_t delete_file_id);
// Adjusts ducklake_table_stats.record_count by `delta` (deletes).
void adjust_record_count(CommitContext& ctx, std::int64_t table_id, std::int64_t delta);

}  // namespace pond::lake
