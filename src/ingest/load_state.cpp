#include "ingest/load_state.hpp"

#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/result.hpp"
#include "lake/lake.hpp"

namespace pond::ingest {

std::set<std::string> loaded_files(lake::Lake& lake, engine::Connection& con, const std::string& schema,
                                   const std::string& resource, const std::string& table) {
  std::set<std::string> out;
  bool exists = false;
  bool has_etag = false;  // lakes of pond before S3 sources have no etag column (added by the next load)
  for (const auto& t : lake.tables())
    if (t.schema_name == schema && t.name == kLoadFilesTable) {
      exists = true;
      for (const auto& c : t.columns) has_etag = has_etag || c.name == "etag";
    }
  if (!exists) return out;
  lake::ScanPlan plan = lake.scan(schema + "." + kLoadFilesTable);
  engine::Result r =
      con.query("SELECT path, size, mtime_us, " + std::string(has_etag ? "coalesce(etag, '')" : "''") +
                " FROM (" + plan.sql + ") AS f WHERE resource = " + quote_literal(resource) +
                " AND table_name = " + quote_literal(table));
  while (auto chunk = r.next_chunk())
    for (std::size_t i = 0; i < chunk->size(); ++i) {
      SourceFile f;
      f.path = chunk->get<std::string>(0, i);
      f.size = chunk->get<std::int64_t>(1, i);
      f.mtime_us = chunk->get<std::int64_t>(2, i);
      f.etag = chunk->get<std::string>(3, i);
      out.insert(f.identity());
    }
  return out;
}

std::optional<std::string> last_cursor(lake::Lake& lake, engine::Connection& con, const std::string& schema,
                                       const std::string& resource, const std::string& table,
                                       const std::string& cursor) {
  bool exists = false;
  for (const auto& t : lake.tables())
    if (t.schema_name == schema && t.name == kLoadCursorsTable) exists = true;
  if (!exists) return std::nullopt;
  lake::ScanPlan plan = lake.scan(schema + "." + kLoadCursorsTable);
  // Each load starts past the last one's value, so the latest load holds the highest value.
  engine::Result r = con.query(
      "SELECT cursor_value FROM (" + plan.sql + ") AS c WHERE resource = " + quote_literal(resource) +
      " AND table_name = " + quote_literal(table) + " AND cursor_path = " + quote_literal(cursor) +
      " ORDER BY loaded_at DESC LIMIT 1");
  while (auto chunk = r.next_chunk())
    if (chunk->size() > 0) return chunk->get<std::string>(0, 0);
  return std::nullopt;
}

std::string loads_row_sql(const LoadRecord& l, std::int64_t rows, std::int64_t rows_rejected) {
  return "SELECT " + quote_literal(l.load_id) + " AS load_id, " + quote_literal(l.resource) +
         " AS resource, " + quote_literal(l.table) + " AS table_name, " + quote_literal(l.run_id) +
         " AS run_id, CAST(" + quote_literal(l.loaded_at) + " AS TIMESTAMPTZ) AS loaded_at, " +
         quote_literal(l.write) + " AS write_disposition, CAST(" + std::to_string(l.files.size()) +
         " AS BIGINT) AS files, CAST(" + std::to_string(rows) + " AS BIGINT) AS rows, CAST(" +
         std::to_string(rows_rejected) + " AS BIGINT) AS rows_rejected, CAST(" +
         std::to_string(l.rows_discarded) + " AS BIGINT) AS rows_discarded, CAST(" +
         std::to_string(l.values_discarded) + " AS BIGINT) AS values_discarded, CAST(" +
         (l.partition.empty() ? std::string("NULL") : quote_literal(l.partition)) +
         " AS VARCHAR) AS partition_key";
}

std::string load_files_sql(const LoadRecord& l) {
  std::string values;
  for (const auto& f : l.files)
    values += (values.empty() ? "" : ", ") +
              ("(" + quote_literal(l.load_id) + ", " + quote_literal(l.resource) + ", " +
               quote_literal(l.table) + ", " + quote_literal(f.path) + ", CAST(" + std::to_string(f.size) +
               " AS BIGINT), CAST(" + std::to_string(f.mtime_us) + " AS BIGINT), CAST(" +
               (f.etag.empty() ? std::string("NULL") : quote_literal(f.etag)) + " AS VARCHAR))");
  return "SELECT * FROM (VALUES " + values +
         ") AS f(load_id, resource, table_name, path, size, mtime_us, etag)";
}

}  // namespace pond::ingest

namespace pond::ingest {

std::string load_cursor_sql(const LoadRecord& l, const std::string& cursor, const std::string& value_json) {
  return "SELECT " + quote_literal(l.load_id) + " AS load_id, " + quote_literal(l.resource) +
         " AS resource, " + quote_literal(l.table) + " AS table_name, CAST(" + quote_literal(l.loaded_at) +
         " AS TIMESTAMPTZ) AS loaded_at, " + quote_literal(cursor) + " AS cursor_path, " +
         quote_literal(value_json) + " AS cursor_value";
}

}  // namespace pond::ingest
