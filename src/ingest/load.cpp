#include "ingest/load.hpp"

#include <fmt/format.h>

#include <chrono>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/compressed_file.hpp"
#include "ingest/contract.hpp"
#include "ingest/files_cursor.hpp"
#include "ingest/load_internal.hpp"
#include "ingest/load_state.hpp"
#include "ingest/reader_sql.hpp"
#include "ingest/scd2.hpp"
#include "lake/lake.hpp"
#include "lake/table_lock.hpp"

namespace pond::ingest {

bool lake_has_table(lake::Lake& lake, const std::string& schema, const std::string& name) {
  for (const auto& t : lake.tables())
    if (t.schema_name == schema && t.name == name) return true;
  return false;
}

namespace {

// The rows to write: the source's rows with the load's columns; for merge and scd2, the last row
// of each primary key (later files win, then later rows); scd2 compares them with the table's
// current versions (`current`: the query reading the table, empty when it does not exist yet).
// The source is the plan's files read by its reader, or its select (PostgreSQL, Delta).
std::string rows_sql(const CommitPlan& plan, const std::string& current) {
  const ResourceConfig& r = *plan.resource;
  const std::string& loaded_at = plan.record.loaded_at;
  auto source = [&](bool with_filename) {
    return plan.select ? plan.select(with_filename) : reader_sql(*plan.reader, plan.files, with_filename);
  };
  std::string meta = ", " + quote_literal(plan.record.load_id) + " AS _pond_load_id, CAST(" +
                     quote_literal(loaded_at) + " AS TIMESTAMPTZ) AS _pond_loaded_at";
  if (!plan.record.partition.empty())
    meta += ", CAST(" + quote_literal(plan.record.partition) + " AS VARCHAR) AS " + kPartitionColumn;
  if (!keyed(r.write)) return "SELECT *" + meta + " FROM (" + source(false) + ") AS src";
  std::string keys;
  for (const auto& k : r.primary_key) keys += (keys.empty() ? "" : ", ") + quote_identifier(k);
  std::string latest =
      "SELECT * EXCLUDE (filename, __pond_row) FROM (SELECT *, row_number() OVER () AS "
      "__pond_row FROM (" +
      source(true) + ") AS src) AS numbered QUALIFY row_number() OVER (PARTITION BY " + keys +
      " ORDER BY filename DESC, __pond_row DESC) = 1";
  if (r.write == WriteDisposition::kScd2) return scd2_rows_sql(r, latest, current, meta, loaded_at);
  return "SELECT *" + meta + " FROM (" + latest + ") AS latest";
}

}  // namespace

lake::CommitResult commit_load(lake::Lake& lake, engine::Connection& con, CommitPlan plan) {
  const ResourceConfig& r = *plan.resource;
  const std::string table = r.qualified_table();
  // The table lock holds what the catalog says of the table until the commit.
  const bool exists = lake_has_table(lake, r.schema, r.table);
  std::string current;  // scd2: the table's rows now
  if (r.write == WriteDisposition::kScd2 && exists) current = lake.scan(table).sql;
  std::string select = rows_sql(plan, current);
  // Reading problems (a dialect that cannot be detected, a missing column of the key) show up
  // when the query is bound: report the file and line before anything is written.
  try {
    engine::PreparedStatement probe = con.prepare("SELECT * FROM (" + select + ") AS q LIMIT 0");
    if (exists) {
      std::vector<std::pair<std::string, std::string>> given;
      for (std::size_t i = 0; i < probe.column_count(); ++i)
        given.emplace_back(probe.column_name(i), probe.column_type(i).name);
      select = apply_contract(r, lake.table(table), given, select);
    }
  } catch (const engine::EngineError& e) {
    if (keyed(r.write) && std::string(e.what()).find("Referenced column") != std::string::npos)
      throw UserError(r.where,
                      "ingest resource '" + r.name +
                          "': primary_key names a column the data lacks: " + short_engine_message(e.what()),
                      "primary_key must name columns of the data", ExitCode::kStepFailed);
    plan.read_failed(e.what());
    throw;
  }

  std::vector<lake::TableWrite> writes(2);
  writes[0].table = table;
  writes[0].select_sql = select;
  writes[0].mode = r.write == WriteDisposition::kAppend    ? lake::TableWrite::Mode::kAppend
                   : r.write == WriteDisposition::kReplace ? lake::TableWrite::Mode::kReplace
                                                           : lake::TableWrite::Mode::kMerge;
  writes[0].key_columns = r.primary_key;
  // A partitioned replace replaces its partition's rows only: the delete and the insert in one commit.
  if (!plan.record.partition.empty() && r.write == WriteDisposition::kReplace) {
    writes[0].mode = lake::TableWrite::Mode::kAppend;
    bool has_column = false;
    if (exists)
      for (const auto& c : lake.table(table).columns) has_column = has_column || c.name == kPartitionColumn;
    if (has_column)
      writes[0].delete_where = std::string(kPartitionColumn) + " = " + quote_literal(plan.record.partition);
  }
  if (r.write == WriteDisposition::kScd2) writes[0].key_columns.push_back(kValidFrom);
  writes[1].table = r.schema + "." + kLoadsTable;
  writes[1].select_after = [record = plan.record](const std::vector<std::int64_t>& rows) {
    return loads_row_sql(record, rows.at(0));
  };
  for (auto& w : plan.bookkeeping) writes.push_back(std::move(w));
  try {
    return lake.write_tables(con, writes).at(0);
  } catch (const UserError& e) {
    // A file that breaks while being read (a bad line past the sniffed sample, a malformed
    // JSON record): find which and where. Schema errors (a narrowed type) are reported as they are.
    if (e.message().find("writing lake table " + table) != std::string::npos ||
        e.message().find("reading the rows for " + table) != std::string::npos)
      plan.read_failed(e.message());
    throw UserError("ingest resource '" + r.name + "': " + e.message(), e.hint(), ExitCode::kStepFailed);
  }
}

void commit_into(lake::Lake& lake, engine::Connection& con, CommitPlan plan, LoadResult& result) {
  std::string load_id = plan.record.load_id;
  lake::CommitResult committed = commit_load(lake, con, std::move(plan));
  result.load_id = load_id;
  result.snapshot = committed.snapshot_id;
  result.rows = committed.rows_written;
  result.rows_replaced = committed.rows_deleted;
}

bool commit_empty_partition(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                            const LoadOptions& o, LoadResult& result) {
  if (!o.partition || r.write != WriteDisposition::kReplace || !lake_has_table(lake, r.schema, r.table))
    return false;
  bool partitioned = false;  // a table loaded before it was partitioned has no partition to empty
  for (const auto& c : lake.table(r.qualified_table()).columns)
    partitioned = partitioned || c.name == kPartitionColumn;
  if (!partitioned) return false;
  // No row, with the table's data columns (the load adds its own columns again).
  std::string none = "SELECT * EXCLUDE (_pond_load_id, _pond_loaded_at, " + std::string(kPartitionColumn) +
                     ") FROM (" + lake.scan(r.qualified_table()).sql + ") AS t WHERE false";
  CommitPlan plan;
  plan.resource = &r;
  plan.reader = &r;
  plan.select = [none](bool with_filename) {
    return with_filename ? "SELECT *, '' AS filename FROM (" + none + ") AS e" : none;
  };
  plan.record.load_id = random_uuid();
  plan.record.resource = r.name;
  plan.record.table = r.qualified_table();
  plan.record.run_id = o.run_id;
  plan.record.loaded_at = sql_utc_now();
  plan.record.write = write_name(r.write);
  plan.record.partition = o.partition->key;
  plan.read_failed = [&](const std::string& failure) {
    throw UserError("ingest resource '" + r.name + "': emptying partition " + o.partition->key + ": " +
                        short_engine_message(failure),
                    "", ExitCode::kStepFailed);
  };
  commit_into(lake, con, std::move(plan), result);
  log::info("ingest {}: partition {} is empty at the source; its {} row(s) removed", r.name, o.partition->key,
            result.rows_replaced);
  return true;
}

LoadResult load_resource(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                         const LoadOptions& o) {
  auto started = std::chrono::steady_clock::now();
  LoadResult result;
  const std::string table = r.qualified_table();
  std::string holder = o.holder.empty() ? "ingest " + r.name : o.holder;
  // One writer of the table at a time: the state read below stays true until the commit.
  lake::TableLock lock = lake::TableLock::acquire(lake, table, holder, lake.config().lock_timeout);
  // The first load into a schema creates its bookkeeping tables: loads of other resources there wait.
  const char* state_table =
      r.source == SourceKind::kFiles && !r.files_cursor ? kLoadFilesTable
      : r.source == SourceKind::kDelta || r.rest.incremental || r.postgres.incremental || r.files_cursor
          ? kLoadCursorsTable
          : kLoadsTable;
  std::optional<lake::TableLock> state_lock;
  if (!lake_has_table(lake, r.schema, state_table) || !lake_has_table(lake, r.schema, kLoadsTable))
    state_lock.emplace(
        lake::TableLock::acquire(lake, r.schema + "." + kLoadsTable, holder, lake.config().lock_timeout));
  if (r.source == SourceKind::kRest) return load_rest(lake, con, r, o);
  if (r.source == SourceKind::kPostgres) return load_postgres(lake, con, r, o);
  if (r.source == SourceKind::kDelta) return load_delta(lake, con, r, o);

  // A partitioned resource reads the files of its partition (`{partition}`, `{date}` in the path).
  const std::string path = o.partition ? path_for_partition(r.path, *o.partition) : r.path;
  SourceLocation source = open_source(lake, r.name, path, o.project_root);
  std::vector<SourceFile> files = list_source_files(source, r.name, o.project_root);
  result.files_seen = static_cast<std::int64_t>(files.size());
  std::set<std::string> done;
  if (r.incremental == Incremental::kFiles) done = loaded_files(lake, con, r.schema, r.name, table);
  auto drop_loaded = [&] {
    std::erase_if(files, [&](const SourceFile& f) { return done.count(f.identity()) > 0; });
  };
  drop_loaded();
  // An object store's files are downloaded (or taken from the cache) before anything is read;
  // one that changed since the listing is recorded as read, and may be one loaded before.
  fetch_source_files(*source.files, files);
  drop_loaded();
  if (files.empty()) {
    if (result.files_seen == 0) log::warn("ingest resource '{}': no file matches {}", r.name, path);
    if (result.files_seen == 0) commit_empty_partition(lake, con, r, o, result);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }
  for (const auto& f : files) {
    check_compressed_file(r.name, f, r.compression);
    result.bytes += f.size;
    result.files.push_back(f.path);
  }

  if (o.progress)
    o.progress->set_stage(fmt::format("reading {} file(s), {}", files.size(),
                                      LoadProgress::size(static_cast<double>(result.bytes))));
  CommitPlan plan;
  plan.resource = &r;
  plan.reader = &r;
  plan.files = files;
  plan.record.load_id = random_uuid();
  plan.record.resource = r.name;
  plan.record.table = table;
  plan.record.run_id = o.run_id;
  plan.record.loaded_at = sql_utc_now();
  plan.record.write = write_name(r.write);
  plan.record.files = files;
  if (o.partition) plan.record.partition = o.partition->key;
  plan.bookkeeping.resize(1);
  if (r.files_cursor) {
    // By a cursor column: the rows past the last value, and the new value, in the same commit.
    std::optional<FilesCursor> cursor;
    try {
      cursor = files_cursor(lake, con, r, files);
    } catch (const engine::EngineError& e) {
      throw_read_error(con, r, files, e.what());  // a file that breaks: which, and where
    }
    if (!cursor) {
      result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      log::info("ingest {}: no new rows (cursor {})", r.name, r.files_cursor->cursor);
      return result;
    }
    result.cursor = cursor->value_json;
    result.records_skipped = cursor->skipped;
    plan.select = [&r, &files, filter = cursor->filter](bool with_filename) {
      return "SELECT * FROM (" + reader_sql(r, files, with_filename) + ") AS f WHERE " + filter;
    };
    plan.bookkeeping[0].table = r.schema + "." + kLoadCursorsTable;
    plan.bookkeeping[0].select_sql = load_cursor_sql(plan.record, r.files_cursor->cursor, result.cursor);
  } else {
    plan.bookkeeping[0].table = r.schema + "." + kLoadFilesTable;
    plan.bookkeeping[0].select_sql = load_files_sql(plan.record);
  }
  plan.read_failed = [&](const std::string& failure) { throw_read_error(con, r, files, failure); };
  commit_into(lake, con, std::move(plan), result);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log::info("ingest {}: {} rows from {} file(s) into {} (snapshot {}, {:.2f}s)", r.name, result.rows,
            files.size(), table, *result.snapshot, result.seconds);
  return result;
}

}  // namespace pond::ingest
