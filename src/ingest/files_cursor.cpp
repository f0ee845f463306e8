#include "ingest/files_cursor.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/result.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/reader_sql.hpp"

namespace pond::ingest {

namespace {

// A stored or initial value (JSON text) as a SQL literal DuckDB compares with the column: a
// number as it is, a string quoted (DuckDB casts it to the column's type: a date, a timestamp).
std::string literal(const ResourceConfig& r, const std::string& json_text) {
  nlohmann::json v = nlohmann::json::parse(json_text, nullptr, false);
  if (v.is_number()) return v.dump();
  if (v.is_string()) return quote_literal(v.get<std::string>());
  throw UserError(
      r.where,
      "ingest resource '" + r.name + "': the cursor value " + json_text + " is neither a number nor a string",
      "delete the resource's rows of _pond_load_cursors to start again from initial:", ExitCode::kStepFailed);
}

bool integer_type(const std::string& t) {
  return t == "TINYINT" || t == "SMALLINT" || t == "INTEGER" || t == "BIGINT" || t == "HUGEINT" ||
         t == "UTINYINT" || t == "USMALLINT" || t == "UINTEGER" || t == "UBIGINT";
}

}  // namespace

std::optional<FilesCursor> files_cursor(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                                        const std::vector<SourceFile>& files) {
  const CursorIncremental& inc = *r.files_cursor;
  const std::string col = quote_identifier(inc.cursor);
  std::optional<std::string> last = last_cursor(lake, con, r.schema, r.name, r.qualified_table(), inc.cursor);
  // append: strictly past the last value; merge and scd2: from it on (the key makes a row of that
  // value loaded again replace itself), so rows sharing the last value that came later are kept.
  std::string past;
  if (last)
    past = col + (r.write == WriteDisposition::kAppend ? " > " : " >= ") + literal(r, *last);
  else if (inc.initial)
    past = col + " >= " + literal(r, *inc.initial);
  std::string source = reader_sql(r, files, false);
  std::string max, type;
  std::int64_t nulls = 0, skipped = 0;
  try {
    engine::Result q =
        con.query("SELECT CAST(max(" + col + ") FILTER (WHERE " + (past.empty() ? "true" : past) +
                  ") AS VARCHAR), typeof(max(" + col + ")), count(*) FILTER (WHERE " + col +
                  " IS NULL), count(*) FILTER (WHERE NOT (" + (past.empty() ? "true" : past) + ")) FROM (" +
                  source + ") AS f");
    if (auto chunk = q.next_chunk(); chunk && chunk->size() > 0) {
      if (!chunk->is_null(0, 0)) max = chunk->get<std::string>(0, 0);
      type = chunk->get<std::string>(1, 0);
      nulls = chunk->get<std::int64_t>(2, 0);
      skipped = chunk->get<std::int64_t>(3, 0);
    }
  } catch (const engine::EngineError& e) {
    std::string what = e.what();
    if (what.find("Referenced column") != std::string::npos ||
        what.find("not found in FROM clause") != std::string::npos)
      throw UserError(r.where,
                      "ingest resource '" + r.name + "': the incremental cursor '" + inc.cursor +
                          "' is not a column of the files: " + short_engine_message(what),
                      "incremental: {cursor: ...} names a column of the files", ExitCode::kStepFailed);
    throw;  // a broken file: the caller's read reports it with its file and line
  }
  if (nulls > 0)
    throw UserError(
        r.where,
        "ingest resource '" + r.name + "': " + std::to_string(nulls) +
            " row(s) of the files have no value (NULL) in the cursor column '" + inc.cursor + "'",
        "an incremental cursor needs a value in every row (it would be skipped by every later load)",
        ExitCode::kStepFailed);
  if (max.empty()) return std::nullopt;
  FilesCursor out;
  out.value_json = integer_type(type) ? max : nlohmann::json(max).dump();
  // Up to the value recorded: a row that lands in a file between this query and the commit's
  // read, past it, is loaded by the next load rather than skipped.
  std::string upto = col + " <= " + literal(r, out.value_json);
  out.filter = past.empty() ? upto : "(" + past + ") AND " + upto;
  out.skipped = skipped;
  return out;
}

}  // namespace pond::ingest
