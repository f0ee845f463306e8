#include "ingest/quarantine.hpp"

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/prepared_statement.hpp"
#include "ingest/compressed_file.hpp"
#include "ingest/temp_file.hpp"
#include "lake/types.hpp"

namespace pond::ingest {

namespace {

// The JSON structure json_transform takes for a column of DuckDB's detected type.
nlohmann::json structure_of(const lake::Column& c) {
  if (c.type == "struct" && !c.children.empty()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& f : c.children) o[f.name] = structure_of(f);
    return o;
  }
  if (c.type == "list" && !c.children.empty())
    return nlohmann::json::array({structure_of(c.children.front())});
  return lake::duckdb_type_of(c);
}

std::string file_list(const std::vector<SourceFile>& files) {
  std::string out = "[";
  for (std::size_t i = 0; i < files.size(); ++i)
    out += (i ? ", " : "") + quote_literal(files[i].full.string());
  return out + "]";
}

const char* csv_compression(const SourceFile& f, Compression configured) {
  switch (compression_of(f, configured)) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    default:
      return "none";
  }
}

// Each line of the files: (__pond_source, __pond_line, __pond_text), lines counted from 1 (a
// blank line too, as an editor does). No quoting, no delimiter: a line is one value.
std::string lines_sql(const ResourceConfig& r, const std::vector<SourceFile>& files,
                      const RecordSources& sources) {
  std::string out;
  for (const auto& f : files) {
    out += (out.empty() ? "" : " UNION ALL ") +
           ("SELECT " + quote_literal(f.path) +
            " AS __pond_source, row_number() OVER () AS __pond_line, line AS __pond_text FROM read_csv(" +
            quote_literal(f.full.string()) +
            ", columns = {'line': 'VARCHAR'}, header = false, auto_detect = false, skip = 0, delim = chr(0), "
            "quote = '', escape = '', max_line_size = 100000000, compression = " +
            quote_literal(csv_compression(f, r.compression)) + ")");
  }
  if (sources.pages.empty()) return out;
  // REST: the page a record came from, and its place among the page's records.
  std::string pages;
  for (const auto& [first, url] : sources.pages)
    pages += (pages.empty() ? "" : ", ") + ("(" + std::to_string(first) + ", " + quote_literal(url) + ")");
  return "SELECT p.url AS __pond_source, l.__pond_line - p.first + 1 AS __pond_line, l.__pond_text FROM (" +
         out + ") AS l ASOF JOIN (VALUES " + pages + ") AS p(first, url) ON l.__pond_line >= p.first";
}

}  // namespace

std::string csv_rejects_table(const ResourceConfig& r) {
  return "__pond_rejects_" + r.name;
}
std::string csv_rejects_scan(const ResourceConfig& r) {
  return "__pond_rejects_scan_" + r.name;
}

void reset_rejects(engine::Connection& con, const ResourceConfig& r) {
  con.execute("DROP TABLE IF EXISTS temp." + csv_rejects_table(r));
  con.execute("DROP TABLE IF EXISTS temp." + csv_rejects_scan(r));
}

JsonQuarantine json_quarantine(engine::Connection& con, const ResourceConfig& r,
                               const std::vector<SourceFile>& files, const RecordSources& sources) {
  const std::string t = "__pond_text";
  const std::string object =
      "coalesce(CASE WHEN json_valid(" + t + ") THEN json_type(" + t + ") = 'OBJECT' END, false)";
  const std::string record = t + " IS NOT NULL AND trim(" + t + ") <> ''";
  const std::string lines = lines_sql(r, files, sources);
  // The types DuckDB's read_json detects over every good record (not a sample: no later record
  // can misfit them), read from a copy of the good lines (a bad one would change the detection).
  nlohmann::json structure = nlohmann::json::object();
  {
    TempFile good("pond-quarantine-", ".jsonl");
    con.execute("COPY (SELECT " + t + " FROM (" + lines + ") AS l WHERE " + record + " AND " + object +
                ") TO " + quote_literal(good.path().string()) +
                " (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER chr(1))");
    std::error_code ec;
    const bool any = std::filesystem::file_size(good.path(), ec) > 0 && !ec;
    const std::string detect =
        any ? "SELECT * FROM read_json(" + quote_literal(good.path().string()) +
                  ", format = 'newline_delimited', sample_size = -1)"
            : "SELECT * FROM read_json(" + file_list(files) +
                  ", format = 'newline_delimited', ignore_errors = true, union_by_name = true)";
    engine::PreparedStatement probe = con.prepare(detect + " LIMIT 0");
    for (std::size_t i = 0; i < probe.column_count(); ++i)
      structure[probe.column_name(i)] =
          structure_of(lake::column_from_duckdb_type(probe.column_name(i), probe.column_type(i).name));
  }
  const std::string with = "WITH pond_lines AS (" + lines +
                           "), pond_parsed AS (SELECT *, json_transform(CASE WHEN " + object + " THEN " + t +
                           " END, " + quote_literal(structure.dump()) +
                           ") AS __pond_rec FROM pond_lines WHERE " + record + " AND " + object + ") ";
  // `columns:`: a value that does not cast rejects its record.
  std::string misfit, errors, casts;
  for (const auto& [column, type] : r.columns) {
    if (!structure.contains(column)) continue;
    const std::string v = "struct_extract(__pond_rec, " + quote_literal(column) + ")";
    const std::string bad = "(" + v + " IS NOT NULL AND TRY_CAST(" + v + " AS " + type + ") IS NULL)";
    misfit += (misfit.empty() ? "" : " OR ") + bad;
    errors += ", CASE WHEN " + bad + " THEN " + quote_literal("column '" + column + "': the value ") +
              " || CAST(" + v + " AS VARCHAR) || " + quote_literal(" is not " + type) + " END";
    casts += (casts.empty() ? "" : ", ") +
             ("CAST(" + quote_identifier(column) + " AS " + type + ") AS " + quote_identifier(column));
  }
  auto good = [&](bool with_filename) {
    std::string rows = with + "SELECT unnest(__pond_rec)" +
                       (with_filename ? ", __pond_source AS filename" : "") + " FROM pond_parsed" +
                       (misfit.empty() ? "" : " WHERE NOT (" + misfit + ")");
    return casts.empty() ? rows : "SELECT * REPLACE (" + casts + ") FROM (" + rows + ") AS pond_good";
  };
  JsonQuarantine q;
  q.good = good(false);
  q.good_filename = good(true);
  q.rejected = with + "SELECT __pond_source AS source, __pond_line AS line, " + t +
               " AS record, CASE WHEN json_valid(" + t +
               ") THEN 'not a JSON object but ' || lower(json_type(" + t +
               ")) ELSE 'not valid JSON' END AS error FROM pond_lines WHERE " + record + " AND NOT " + object;
  if (!misfit.empty())
    q.rejected += " UNION ALL SELECT __pond_source, __pond_line, " + t + ", concat_ws('; '" + errors +
                  ") FROM pond_parsed WHERE " + misfit;
  return q;
}

std::string rejected_sql(const ResourceConfig& r, const std::vector<SourceFile>& files,
                         const std::string& rejected, const std::string& load_id,
                         const std::string& loaded_at) {
  const std::string meta = "SELECT " + quote_literal(load_id) + " AS _pond_load_id, CAST(" +
                           quote_literal(loaded_at) + " AS TIMESTAMPTZ) AS _pond_loaded_at, ";
  if (!rejected.empty())
    return meta +
           "CAST(source AS VARCHAR) AS source, CAST(line AS BIGINT) AS line, CAST(record AS VARCHAR) AS "
           "record, CAST(error AS VARCHAR) AS error FROM (" +
           rejected + ") AS pond_rejected ORDER BY source, line";
  // CSV: DuckDB's rejects of the latest read of the files (a line with several errors: one row).
  std::string paths;
  for (const auto& f : files)
    paths += (paths.empty() ? "" : ", ") +
             ("(" + quote_literal(f.full.string()) + ", " + quote_literal(f.path) + ")");
  const std::string errors = "temp." + csv_rejects_table(r);
  return meta +
         "f.path AS source, CAST(e.line AS BIGINT) AS line, CAST(any_value(e.csv_line) AS VARCHAR) AS "
         "record, "
         "string_agg(e.error_message, '; ') AS error FROM " +
         errors + " AS e JOIN temp." + csv_rejects_scan(r) +
         " AS s ON e.scan_id = s.scan_id AND e.file_id = s.file_id JOIN (VALUES " + paths +
         ") AS f(full_path, path) ON s.file_path = f.full_path WHERE e.scan_id = (SELECT max(scan_id) FROM " +
         errors + ") GROUP BY f.path, e.line ORDER BY source, line";
}

}  // namespace pond::ingest
