// A load of a `from: postgres` resource: in one snapshot of the server, the highest cursor value
// (incremental), then `COPY (SELECT ...) TO STDOUT (FORMAT csv)` streamed into a file in the
// temporary folder; that file is read with DuckDB's read_csv with every column's type given (from
// the server's catalog, postgres_types.hpp) and committed like any other load (dispositions, schema
// evolution, the load's columns), the cursor's value in `_pond_load_cursors` in the same commit.
// Nothing is written while the server is read: any error, or a kill, leaves the lake unchanged.
#include <chrono>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "engine/error.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/load_internal.hpp"
#include "ingest/postgres_source.hpp"
#include "ingest/temp_file.hpp"

namespace pond::ingest {

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The table or query the resource reads, as a SELECT.
std::string base_select(const PostgresSource& s) {
  if (!s.source_table.empty()) return "SELECT * FROM " + s.source_table;
  std::string q = s.query;
  while (!q.empty() && (q.back() == ';' || std::isspace(static_cast<unsigned char>(q.back())))) q.pop_back();
  return q;
}

// A cursor value (JSON text: a number, or a string of PostgreSQL's text) as a SQL literal.
std::string cursor_literal(PostgresSession& pg, const ResourceConfig& r, const std::string& json_text) {
  nlohmann::json v = nlohmann::json::parse(json_text, nullptr, false);
  if (v.is_number()) return v.dump();
  if (v.is_string()) return pg.literal(v.get<std::string>());
  throw UserError(r.where,
                  "ingest resource '" + r.name + "': the cursor value " + json_text +
                      " (in _pond_load_cursors or initial:) is neither a number nor a string",
                  "delete the resource's rows of " + r.schema + "._pond_load_cursors to start again",
                  ExitCode::kStepFailed);
}

// The DuckDB SELECT of the copied file: each column read as its mapping says, `columns:` casts on top.
std::string lake_select(const ResourceConfig& r, const std::vector<PgColumnMapping>& columns,
                        const std::vector<std::unique_ptr<TempFile>>& files) {
  std::string types, select;
  for (const auto& c : columns) {
    types += (types.empty() ? "" : ", ") + quote_literal(c.name) + ": " + quote_literal(c.csv_type);
    std::string value = replace_all(c.duck_expr, "{}", quote_identifier(c.name));
    if (auto cast = r.columns.find(c.name); cast != r.columns.end())
      value = "CAST(" + value + " AS " + cast->second + ")";
    select += (select.empty() ? "" : ", ") + value + " AS " + quote_identifier(c.name);
  }
  // PostgreSQL's CSV: NULL is an unquoted empty field, '' a quoted one; no header; UTF-8.
  std::string list;
  for (const auto& f : files) list += (list.empty() ? "" : ", ") + quote_literal(f->path().string());
  return "SELECT " + select + " FROM read_csv([" + list + "], columns = {" + types +
         "}, header = false, delim = ',', quote = '\"', escape = '\"', nullstr = '', "
         "allow_quoted_nulls = false, auto_detect = false, strict_mode = true)";
}

// The copied rows: one file, or one per key range with `parallel:`.
struct Copied {
  std::vector<std::unique_ptr<TempFile>> files;
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
};

bool integer_type(const std::string& duck_type) {
  return duck_type == "SMALLINT" || duck_type == "INTEGER" || duck_type == "BIGINT";
}

// `select` (its rows filtered by `where`, which may be empty) copied into files: by `pg` alone, or
// with `parallel: {connections: N, key: K}` as N ranges of K, each by its own connection in the
// snapshot of `pg` (the same rows a single copy would see).
Copied copy_rows(PostgresSession& pg, const ResourceConfig& r, const std::vector<PgColumnMapping>& columns,
                 const std::string& select, const std::string& where, LoadProgress* progress) {
  const PostgresSource& s = r.postgres;
  auto filtered = [&](const std::string& condition) {
    std::string all = where.empty()       ? condition
                      : condition.empty() ? where
                                          : "(" + where + ") AND (" + condition + ")";
    return select + (all.empty() ? "" : " WHERE " + all);
  };
  Copied out;
  std::vector<std::string> ranges{""};
  if (s.parallel > 1) {
    const PgColumnMapping* key = nullptr;
    for (const auto& c : columns)
      if (c.name == s.parallel_key) key = &c;
    if (key == nullptr || !integer_type(key->duck_type))
      throw UserError(
          r.where,
          "ingest resource '" + r.name + "': parallel: key '" + s.parallel_key +
              (key ? "' is " + key->pg_type + ", not an integer column" : "' is not a column of the source"),
          "parallel: {connections: N, key: K} splits an integer column (e.g. the primary key) into ranges",
          ExitCode::kStepFailed);
    std::string k = pg_quote_identifier(key->name);
    auto [min, max] =
        pg.query_pair("SELECT min(" + k + ")::text, max(" + k + ")::text FROM (" + filtered("") + ") AS q",
                      "reading the key range");
    if (min && max) {
      auto lo = std::stoll(*min), hi = std::stoll(*max);
      auto span = static_cast<unsigned long long>(hi) - static_cast<unsigned long long>(lo);
      auto n = static_cast<unsigned long long>(s.parallel);
      if (span + 1 < n && span + 1 != 0) n = span + 1;
      unsigned long long step = span / n + 1;
      ranges.clear();
      for (unsigned long long i = 0; i < n; ++i) {
        auto from = static_cast<long long>(static_cast<unsigned long long>(lo) + i * step);
        auto to = static_cast<long long>(static_cast<unsigned long long>(lo) + (i + 1) * step);
        std::string range =
            i == 0       ? k + " IS NULL OR " + k + " < " + std::to_string(to)
            : i + 1 == n ? k + " >= " + std::to_string(from)
                         : k + " >= " + std::to_string(from) + " AND " + k + " < " + std::to_string(to);
        if (n == 1) range = "";
        ranges.push_back(range);
      }
    }
  }
  for (std::size_t i = 0; i < ranges.size(); ++i)
    out.files.push_back(std::make_unique<TempFile>("pond-pg-", ".csv"));
  std::vector<std::pair<std::int64_t, std::int64_t>> counts(ranges.size());
  std::vector<std::exception_ptr> errors(ranges.size());
  std::string snapshot = ranges.size() > 1 ? pg.export_snapshot() : "";
  if (ranges.size() > 1)
    log::info("ingest {}: copying {} ranges of {} on {} connections", r.name, ranges.size(), s.parallel_key,
              ranges.size());
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < ranges.size(); ++i)
    workers.emplace_back([&, i] {
      try {
        PostgresSession other(r, snapshot);
        counts[i] = other.copy_csv(filtered(ranges[i]), out.files[i]->path(), progress);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  try {
    counts[0] = pg.copy_csv(filtered(ranges[0]), out.files[0]->path(), progress);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& w : workers) w.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  for (const auto& [rows, bytes] : counts) {
    out.rows += rows;
    out.bytes += bytes;
  }
  return out;
}

// A partitioned resource's condition (`window: {column, key_column}`), on columns of the source.
std::string partition_where(const ResourceConfig& r, const std::vector<PgColumnMapping>& columns,
                            const PartitionWindow& p) {
  auto column = [&](const std::string& name) {
    for (const auto& c : columns)
      if (c.name == name) return pg_quote_identifier(name);
    throw UserError(
        r.where,
        "ingest resource '" + r.name + "': the window column '" + name + "' is not a column of the source",
        "window: {column: ...} names the column of the table or query holding the partition",
        ExitCode::kStepFailed);
  };
  const PostgresSource& s = r.postgres;
  return postgres_window_where(column(s.window_column),
                               s.window_key_column.empty() ? "" : column(s.window_key_column), p);
}

}  // namespace

LoadResult load_postgres(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                         const LoadOptions& o) {
  auto started = std::chrono::steady_clock::now();
  LoadResult result;
  const PostgresSource& s = r.postgres;
  const std::string table = r.qualified_table();
  std::optional<std::string> last;
  if (s.incremental) last = last_cursor(lake, con, r.schema, r.name, table, s.incremental->cursor);

  // Closed once the rows are copied: the server's snapshot is not held through the lake commit.
  std::optional<PostgresSession> session;
  PostgresSession& pg = session.emplace(r);
  std::string base = base_select(s);
  std::vector<PgColumnMapping> columns = pg.describe(base);
  for (const auto& [name, type] : r.columns) {
    bool found = false;
    for (const auto& c : columns) found = found || c.name == name;
    if (!found)
      throw UserError(
          r.where, "ingest resource '" + r.name + "': columns: names '" + name + "', which the source lacks",
          "the source's columns are those of its table or query", ExitCode::kStepFailed);
  }
  for (const auto& c : columns)
    if (c.as_text && !r.columns.count(c.name))
      log::debug("ingest {}: column {} ({}) lands as PostgreSQL's text (VARCHAR)", r.name, c.name, c.pg_type);

  std::string where;
  auto done = [&] {
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::optional<std::string> max_cursor;
  const PgColumnMapping* cursor_column = nullptr;
  if (s.incremental) {
    for (const auto& c : columns)
      if (c.name == s.incremental->cursor) cursor_column = &c;
    if (cursor_column == nullptr)
      throw UserError(r.where,
                      "ingest resource '" + r.name + "': the incremental cursor '" + s.incremental->cursor +
                          "' is not a column of the source",
                      "incremental: {cursor: ...} names a column of the table or query",
                      ExitCode::kStepFailed);
    std::string col = pg_quote_identifier(cursor_column->name);
    // append: strictly past the last value; merge: from it on (its key makes a row loaded again
    // replace itself), so that rows sharing the last value that arrived later are not skipped.
    if (last)
      where = col + (r.write == WriteDisposition::kMerge ? " >= " : " > ") + cursor_literal(pg, r, *last);
    else if (s.incremental->initial)
      where = col + " >= " + cursor_literal(pg, r, *s.incremental->initial);
    // Every row needs a cursor value: one without would be skipped by every later load.
    auto [max, nulls] = pg.query_pair(
        "SELECT max(" + col + ")::text, count(*) FILTER (WHERE " + col + " IS NULL) FROM (" + base +
            ") AS q" + (where.empty() ? "" : " WHERE " + where + " OR " + col + " IS NULL"),
        "reading the incremental cursor");
    if (nulls && *nulls != "0")
      throw UserError(
          r.where,
          "ingest resource '" + r.name + "': " + *nulls +
              " row(s) of the source have no value (NULL) in the cursor column '" + cursor_column->name + "'",
          "filter them out or coalesce them in query: (an incremental cursor needs a value in every row)",
          ExitCode::kStepFailed);
    if (!max) {
      done();
      log::info("ingest {}: no new rows", r.name);
      return result;
    }
    max_cursor = *max;
  }

  if (o.partition) where = partition_where(r, columns, *o.partition);

  std::string pg_select;
  for (const auto& c : columns)
    pg_select += (pg_select.empty() ? "" : ", ") + c.pg_expr + " AS " + pg_quote_identifier(c.name);
  pg_select = "SELECT " + pg_select + " FROM (" + base + ") AS q";
  auto copy_started = std::chrono::steady_clock::now();
  Copied copied = copy_rows(pg, r, columns, pg_select, where, o.progress);
  double copy_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - copy_started).count();
  session.reset();
  std::int64_t rows = copied.rows;
  result.bytes = copied.bytes;
  if (rows == 0 && r.write != WriteDisposition::kReplace) {  // replace: the table becomes empty
    done();
    log::info("ingest {}: no rows", r.name);
    return result;
  }

  CommitPlan plan;
  plan.resource = &r;
  plan.reader = &r;
  // Rows in the order PostgreSQL sent them: for merge, the last row of a key wins (no file names).
  plan.select = [sql = lake_select(r, columns, copied.files)](bool with_filename) {
    return with_filename ? "SELECT *, '' AS filename FROM (" + sql + ") AS pg" : sql;
  };
  plan.record.load_id = random_uuid();
  plan.record.resource = r.name;
  plan.record.table = table;
  plan.record.run_id = o.run_id;
  plan.record.loaded_at = sql_utc_now();
  plan.record.write = write_name(r.write);
  if (o.partition) plan.record.partition = o.partition->key;
  if (max_cursor) {
    // Integers as JSON numbers, anything else as PostgreSQL's text of it (exact, and read back as is).
    result.cursor = integer_type(cursor_column->duck_type) ? *max_cursor : nlohmann::json(*max_cursor).dump();
    lake::TableWrite cursor;
    cursor.table = r.schema + "." + kLoadCursorsTable;
    cursor.select_sql = load_cursor_sql(plan.record, s.incremental->cursor, result.cursor);
    plan.bookkeeping.push_back(std::move(cursor));
  }
  plan.read_failed = [&](const std::string& failure) {
    throw UserError(
        r.where,
        "ingest resource '" + r.name + "': reading the " + std::to_string(rows) +
            " rows copied from PostgreSQL: " + short_engine_message(failure),
        "a value the lake's column type cannot hold (e.g. NaN in a numeric(p,s), a BC timestamp); "
        "select the column as text or cast it with columns:",
        ExitCode::kStepFailed);
  };
  commit_into(lake, con, std::move(plan), result);
  done();
  log::info("ingest {}: {} rows from PostgreSQL into {} (snapshot {}, {:.2f}s, of which the copy {:.2f}s)",
            r.name, result.rows, table, *result.snapshot, result.seconds, copy_seconds);
  return result;
}

}  // namespace pond::ingest
