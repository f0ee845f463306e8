#include "ingest/load.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/scope_guard.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "engine/result.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/compressed_file.hpp"
#include "ingest/contract.hpp"
#include "ingest/files_cursor.hpp"
#include "ingest/load_internal.hpp"
#include "ingest/load_state.hpp"
#include "ingest/nesting.hpp"
#include "ingest/reader_sql.hpp"
#include "ingest/scd2.hpp"
#include "lake/lake.hpp"
#include "lake/table_lock.hpp"

namespace pond::ingest {

std::string rejected_note(const LoadResult& result, const std::string& table) {
  std::string note;
  if (result.rows_rejected)
    note += " (" + std::to_string(result.rows_rejected) + " rejected into " + table + kRejectedSuffix + ")";
  if (result.rows_discarded || result.values_discarded)
    note += " (the contract discarded " + std::to_string(result.rows_discarded) + " rows, " +
            std::to_string(result.values_discarded) + " values)";
  return note;
}

bool lake_has_table(lake::Lake& lake, const std::string& schema, const std::string& name) {
  for (const auto& t : lake.tables())
    if (t.schema_name == schema && t.name == name) return true;
  return false;
}

namespace {

using Source = std::function<std::string(bool with_filename)>;

// The rows to write: the source's rows with the load's columns; for merge and scd2, the last row
// of each primary key (later files win, then later rows); scd2 compares them with the table's
// current versions (`current`: the query reading the table, empty when it does not exist yet).
// `source` gives the plan's files read by its reader, or its select (PostgreSQL, Delta).
std::string rows_sql(const CommitPlan& plan, const std::string& current, const Source& source) {
  const ResourceConfig& r = *plan.resource;
  const std::string& loaded_at = plan.record.loaded_at;
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

// Nested JSON is unnested for JSON files and REST records (read as JSON lines); PostgreSQL and
// Delta keep their native types, as do csv and parquet files.
bool unnests(const CommitPlan& plan) {
  if (plan.select || plan.resource->max_nesting <= 0) return false;
  FileFormat f = resource_format(*plan.reader);
  return f == FileFormat::kJsonLines || f == FileFormat::kJsonArray;
}

std::vector<std::pair<std::string, std::string>> columns_of(engine::Connection& con,
                                                            const std::string& select) {
  engine::PreparedStatement probe = con.prepare("SELECT * FROM (" + select + ") AS q LIMIT 0");
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < probe.column_count(); ++i)
    out.emplace_back(probe.column_name(i), probe.column_type(i).name);
  return out;
}

// The resource's child tables in the lake now (tables `<table>__...` with `_pond_parent_id`).
std::vector<std::string> existing_children(lake::Lake& lake, const ResourceConfig& r) {
  std::vector<std::string> out;
  for (const auto& t : lake.tables()) {
    if (t.schema_name != r.schema || !t.name.starts_with(r.table + "__")) continue;
    for (const auto& c : t.columns)
      if (c.name == "_pond_parent_id") out.push_back(t.name);
  }
  return out;
}

// The writes of the child tables, after the root's: replace replaces them too; merge deletes the
// child rows of every root row it replaces (by `_pond_root_id`, as dlt's delete-insert) and adds
// the new ones; append and scd2 add (scd2's retired versions keep their children). A partitioned
// replace (`partition` set) replaces the child rows of its partition's root rows only.
void child_writes(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                  const std::vector<ChildTable>& children, const std::string& root_select,
                  const std::string& partition, std::vector<lake::TableWrite>& writes) {
  std::string replaced;  // merge and a partitioned replace: which child rows go
  const bool partitioned = !partition.empty() && r.write == WriteDisposition::kReplace;
  if (partitioned && lake_has_table(lake, r.schema, r.table)) {
    bool has_column = false;
    for (const auto& c : lake.table(r.qualified_table()).columns)
      has_column = has_column || c.name == kPartitionColumn;
    if (has_column)
      replaced = "t._pond_root_id IN (SELECT p._pond_id FROM (" + lake.scan(r.qualified_table()).sql +
                 ") AS p WHERE p." + std::string(kPartitionColumn) + " = " + quote_literal(partition) + ")";
  } else if (r.write == WriteDisposition::kMerge && lake_has_table(lake, r.schema, r.table)) {
    std::string match;
    for (const auto& k : r.primary_key)
      match += (match.empty() ? "" : " AND ") + ("s." + quote_identifier(k) + " = p." + quote_identifier(k));
    replaced = "t._pond_root_id IN (SELECT p._pond_id FROM (" + lake.scan(r.qualified_table()).sql +
               ") AS p WHERE EXISTS (SELECT 1 FROM (" + root_select + ") AS s WHERE " + match + "))";
  }
  // A root row a contract drops takes its children along.
  const bool root_drops =
      lake_has_table(lake, r.schema, r.table) &&
      (r.contract.columns == ContractMode::kDiscardRow || r.contract.data_type == ContractMode::kDiscardRow);
  auto add = [&](const std::string& name, std::string select) {
    lake::TableWrite w;
    w.table = r.schema + "." + name;
    if (lake_has_table(lake, r.schema, name))
      select = apply_contract(r, lake.table(w.table), columns_of(con, select), select);
    w.select_sql = std::move(select);
    w.mode = r.write == WriteDisposition::kReplace && !partitioned ? lake::TableWrite::Mode::kReplace
                                                                   : lake::TableWrite::Mode::kAppend;
    w.delete_where = replaced;
    writes.push_back(std::move(w));
  };
  std::set<std::string> brought;
  for (const auto& c : children) {
    brought.insert(to_lower(c.name));
    add(c.name, root_drops
                    ? "SELECT * FROM (" + c.select + ") AS c WHERE _pond_root_id IN (SELECT _pond_id FROM (" +
                          root_select + ") AS kept)"
                    : c.select);
  }
  if (r.write != WriteDisposition::kReplace && r.write != WriteDisposition::kMerge) return;
  for (const auto& name : existing_children(lake, r))
    if (!brought.count(to_lower(name)))
      add(name, "SELECT * FROM (" + lake.scan(r.schema + "." + name).sql + ") AS t WHERE false");
}

}  // namespace

void commit_into(lake::Lake& lake, engine::Connection& con, CommitPlan plan, LoadResult& result) {
  const ResourceConfig& r = *plan.resource;
  const std::string table = r.qualified_table();
  // The table lock holds what the catalog says of the table until the commit.
  const bool exists = lake_has_table(lake, r.schema, r.table);
  std::string current;  // scd2: the table's rows now
  if (r.write == WriteDisposition::kScd2 && exists) current = lake.scan(table).sql;
  Source source = [&plan](bool with_filename) {
    return plan.select ? plan.select(with_filename) : reader_sql(*plan.reader, plan.files, with_filename);
  };
  std::string select;
  std::vector<ChildTable> children;
  // on_bad_record: quarantine (csv, tsv and JSON lines read from files): the rows of <table>__rejected.
  const bool quarantine = r.on_bad_record == BadRecords::kQuarantine && !plan.select;
  std::string rejected;
  // Nested rows with lists are read once into a temporary table: the root table's rows and
  // every child table's come from it, so the parent ids the children carry are the root's.
  std::string nested_rows = "__pond_nested_" + plan.record.load_id;
  std::erase(nested_rows, '-');
  ScopeGuard drop_nested([&] {
    try {
      con.execute("DROP TABLE IF EXISTS temp." + nested_rows);
    } catch (const std::exception&) {  // the connection is gone: so is the table
    }
  });
  // Reading problems (a dialect that cannot be detected, a missing column of the key) show up
  // when the query is bound: report the file and line before anything is written.
  try {
    if (quarantine) {
      if (resource_format(*plan.reader) == FileFormat::kJsonLines) {
        JsonQuarantine q = json_quarantine(con, *plan.reader, plan.files, plan.record_sources);
        source = [q](bool with_filename) { return with_filename ? q.good_filename : q.good; };
        rejected = rejected_sql(r, plan.files, q.rejected, plan.record.load_id, plan.record.loaded_at);
      } else {
        reset_rejects(con, r);
        rejected = rejected_sql(r, plan.files, "", plan.record.load_id, plan.record.loaded_at);
      }
    }
    FlatRow flat;
    const bool nests = unnests(plan);
    if (nests) {
      flat = flatten_root(columns_of(con, source(false)), r.max_nesting, table);
      source = [&flat, raw = source](bool with_filename) {
        return flat_select(flat, raw(with_filename), with_filename);
      };
    }
    select = rows_sql(plan, current, source);
    if (nests) {
      // `_pond_id` (dlt's `_dlt_id`): unique per row, random as dlt's; scd2's retired versions keep
      // theirs. Not a row number: `row_number() OVER ()` made DuckDB read the whole input in one
      // thread before writing (JSON lines loads took 2.5x DuckDB's own copy). Rows with lists are
      // read once into a temporary table, so their children see the ids their parents keep.
      const std::string id = "replace(CAST(gen_random_uuid() AS VARCHAR), '-', '')";
      bool has_id = false;
      for (const auto& [name, type] : columns_of(con, select)) has_id = has_id || name == "_pond_id";
      select =
          has_id ? "SELECT * REPLACE (coalesce(_pond_id, " + id + ") AS _pond_id) FROM (" + select + ") AS r"
                 : "SELECT *, " + id + " AS _pond_id FROM (" + select + ") AS r";
      if (!flat.lists.empty()) {
        con.execute("CREATE OR REPLACE TEMP TABLE " + nested_rows + " AS " + select);
        child_tables(r.table, "SELECT * FROM " + nested_rows, true, flat.lists, children);
        select = "SELECT * EXCLUDE (" + list_columns(flat.lists) + ") FROM " + nested_rows;
      }
    }
    if (exists) {
      std::string discards;
      select = apply_contract(r, lake.table(table), columns_of(con, select), select, &discards);
      // What the contract drops, counted before the write (one more read of the rows).
      if (!discards.empty()) {
        engine::Result counted = con.query(discards);
        while (auto chunk = counted.next_chunk())
          if (chunk->size() > 0) {
            plan.record.rows_discarded = chunk->get<std::int64_t>(0, 0);
            plan.record.values_discarded = chunk->get<std::int64_t>(1, 0);
          }
      }
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

  std::vector<lake::TableWrite> writes(1);
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
  for (auto& w : plan.bookkeeping) writes.push_back(std::move(w));
  try {
    child_writes(lake, con, r, children, select, plan.record.partition, writes);
  } catch (const engine::EngineError& e) {
    throw UserError("ingest resource '" + r.name + "': " + short_engine_message(e.what()),
                    ExitCode::kStepFailed);
  }
  // The rejected records after the rows: a CSV read leaves them in DuckDB's rejects tables.
  std::optional<std::size_t> rejected_at;
  if (quarantine) {
    rejected_at = writes.size();
    lake::TableWrite w;
    w.table = table + kRejectedSuffix;
    w.select_sql = rejected;
    writes.push_back(std::move(w));
  }
  // _pond_loads last: its row counts what the others wrote.
  lake::TableWrite loads;
  loads.table = r.schema + "." + kLoadsTable;
  loads.select_after = [record = plan.record, rejected_at](const std::vector<std::int64_t>& rows) {
    return loads_row_sql(record, rows.at(0), rejected_at ? rows.at(*rejected_at) : 0);
  };
  writes.push_back(std::move(loads));
  std::vector<lake::CommitResult> committed;
  try {
    committed = lake.write_tables(con, writes);
  } catch (const UserError& e) {
    // A file that breaks while being read (a bad line past the sniffed sample, a malformed
    // JSON record): find which and where. Schema errors (a narrowed type) are reported as they are.
    if (e.message().find("writing lake table " + table + ":") != std::string::npos ||
        e.message().find("reading the rows for " + table + ":") != std::string::npos)
      plan.read_failed(e.message());
    throw UserError("ingest resource '" + r.name + "': " + e.message(), e.hint(), ExitCode::kStepFailed);
  }
  result.load_id = plan.record.load_id;
  result.snapshot = committed.at(0).snapshot_id;
  result.rows = committed.at(0).rows_written;
  result.rows_replaced = committed.at(0).rows_deleted;
  if (rejected_at) result.rows_rejected = committed.at(*rejected_at).rows_written;
  result.rows_discarded = plan.record.rows_discarded;
  result.values_discarded = plan.record.values_discarded;
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
  log::info("ingest {}: {} rows from {} file(s) into {}{} (snapshot {}, {:.2f}s)", r.name, result.rows,
            files.size(), table, rejected_note(result, table), *result.snapshot, result.seconds);
  return result;
}

}  // namespace pond::ingest
