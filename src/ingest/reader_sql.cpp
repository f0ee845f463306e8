#include "ingest/reader_sql.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "ingest/compressed_file.hpp"
#include "ingest/quarantine.hpp"

namespace pond::ingest {

FileFormat resource_format(const ResourceConfig& r) {
  if (r.format) return *r.format;
  if (auto f = format_of_path(r.path)) return *f;
  throw UserError(r.where, "ingest resource '" + r.name + "': cannot tell the format of '" + r.path + "'",
                  "add 'format:' (csv, tsv, jsonl, json, parquet)");
}

namespace {

std::string file_list(const std::vector<SourceFile>& files) {
  std::string out = "[";
  for (std::size_t i = 0; i < files.size(); ++i)
    out += (i ? ", " : "") + quote_literal(files[i].full.string());
  return out + "]";
}

std::string compression_option(const ResourceConfig& r) {
  bool json = resource_format(r) == FileFormat::kJsonLines || resource_format(r) == FileFormat::kJsonArray;
  switch (r.compression) {
    case Compression::kGzip:
      return ", compression = 'gzip'";
    case Compression::kZstd:
      return ", compression = 'zstd'";
    case Compression::kNone:
      // read_json spells it 'uncompressed' (and refuses 'none'), read_csv 'none'.
      return json ? ", compression = 'uncompressed'" : ", compression = 'none'";
    case Compression::kAuto:
      break;
  }
  return "";
}

// The dialect options both CSV reads share: what the user set, and never a detected skip of
// leading lines (DuckDB's sniffer would otherwise drop lines it cannot fit to the dialect).
std::string csv_dialect(const ResourceConfig& r) {
  const CsvOptions& c = r.csv;
  std::string o = ", header = " + std::string(c.header ? "true" : "false") + ", skip = 0";
  // The dialect is never guessed: a sniffed delimiter turns a broken file into one wide column.
  std::string delimiter = c.delimiter ? *c.delimiter : resource_format(r) == FileFormat::kTsv ? "\t" : ",";
  o += ", delim = " + quote_literal(delimiter) + ", quote = " + quote_literal(c.quote ? *c.quote : "\"");
  if (c.escape) o += ", escape = " + quote_literal(*c.escape);
  if (c.encoding) o += ", encoding = " + quote_literal(*c.encoding);
  if (!c.null_strings.empty()) {
    o += ", nullstr = [";
    for (std::size_t i = 0; i < c.null_strings.size(); ++i)
      o += (i ? ", " : "") + quote_literal(c.null_strings[i]);
    o += "]";
  }
  return o + compression_option(r);
}

std::string csv_types(const ResourceConfig& r) {
  if (r.columns.empty()) return "";
  // Parsed as the given types (no sniffed type to fail on first).
  std::string types;
  for (const auto& [column, type] : r.columns)
    types += (types.empty() ? "" : ", ") + quote_literal(column) + ": " + quote_literal(type);
  return ", types = {" + types + "}";
}

// on_bad_record: quarantine: DuckDB keeps the lines it cannot read in its rejects tables
// (quarantine.hpp) instead of failing. It refuses them with union_by_name, so each file is read
// alone and the files are put together by name.
std::string quarantined_csv_sql(const ResourceConfig& r, const std::vector<SourceFile>& files,
                                bool with_filename) {
  std::string out;
  for (const auto& f : files)
    out += (out.empty() ? "" : " UNION ALL BY NAME ") +
           ("SELECT * FROM read_csv(" + quote_literal(f.full.string()) + csv_dialect(r) + csv_types(r) +
            ", store_rejects = true, rejects_table = " + quote_literal(csv_rejects_table(r)) +
            ", rejects_scan = " + quote_literal(csv_rejects_scan(r)) +
            (with_filename ? ", filename = true" : "") + ")");
  return out;
}

}  // namespace

std::string reader_sql(const ResourceConfig& r, const std::vector<SourceFile>& files, bool with_filename) {
  std::string list = file_list(files);
  std::string common = std::string(", union_by_name = true") + (with_filename ? ", filename = true" : "");
  std::string from;
  switch (resource_format(r)) {
    case FileFormat::kCsv:
    case FileFormat::kTsv:
      if (r.on_bad_record == BadRecords::kQuarantine) return quarantined_csv_sql(r, files, with_filename);
      from = "read_csv(" + list + csv_dialect(r) + common;
      from += csv_types(r) + ")";
      break;
    case FileFormat::kJsonLines:
      from = "read_json(" + list + ", format = 'newline_delimited'" + compression_option(r) + common + ")";
      break;
    case FileFormat::kJsonArray:
      from = "read_json(" + list + ", format = 'array'" + compression_option(r) + common + ")";
      break;
    case FileFormat::kParquet:
      from = "read_parquet(" + list + common + ")";
      break;
  }
  std::string casts;
  for (const auto& [column, type] : r.columns)
    casts += (casts.empty() ? "" : ", ") +
             ("CAST(" + quote_identifier(column) + " AS " + type + ") AS " + quote_identifier(column));
  return "SELECT *" + (casts.empty() ? std::string() : " REPLACE (" + casts + ")") + " FROM " + from;
}

std::string strict_csv_sql(const ResourceConfig& r, const SourceFile& file, std::size_t column_count) {
  std::string columns = "{";
  for (std::size_t i = 0; i < column_count; ++i)
    columns += (i ? ", " : "") + quote_literal("c" + std::to_string(i + 1)) + ": 'VARCHAR'";
  columns += "}";
  return "SELECT * FROM read_csv(" + quote_literal(file.full.string()) + csv_dialect(r) +
         ", auto_detect = false, columns = " + columns + ")";
}

}  // namespace pond::ingest
