// pond.yml `ingest:`: each resource a lake table and an asset (docs/ingest.md), read as strictly
// as the rest of pond.yml.
#include <cctype>
#include <nlohmann/json.hpp>

#include "ingest/resource.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/config_reader_internal.hpp"

namespace pond::orchestrate {

namespace {

using ingest::Compression;
using ingest::FileFormat;
using ingest::Incremental;
using ingest::ResourceConfig;
using ingest::WriteDisposition;

const std::vector<std::string> kCommonKeys{"from",          "columns",     "schema",      "table", "write",
                                           "primary_key",   "incremental", "description", "group", "tags",
                                           "retire_absent", "contract",    "partitions"};
const std::vector<std::string> kFileKeys{"path",  "format", "compression",  "delimiter", "header",
                                         "quote", "escape", "null_strings", "encoding"};
const std::vector<std::string> kDeltaKeys{"path", "version"};
const std::vector<std::string> kRestKeys{"base_url", "path",     "url",       "params",  "headers",
                                         "auth",     "records",  "paginator", "timeout", "retries",
                                         "backoff",  "parallel", "window"};
// Keys of the sources whose records pond parses (files and REST): nesting and bad records.
const std::vector<std::string> kRecordKeys{"max_nesting", "on_bad_record"};
const std::vector<std::string> kPostgresKeys{"connection", "password", "source_table",
                                             "query",      "parallel", "window"};

std::vector<std::string> keys_of(const std::vector<std::string>& source) {
  std::vector<std::string> out = kCommonKeys;
  out.insert(out.end(), source.begin(), source.end());
  if (&source == &kFileKeys || &source == &kRestKeys)
    out.insert(out.end(), kRecordKeys.begin(), kRecordKeys.end());
  return out;
}

// A lake identifier pond creates: letters, digits and '_' (no quoting surprises downstream).
std::string identifier(const Reader& r, const YamlNode& n, const std::string& what) {
  std::string s = r.name(n, what);
  for (char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'))
      r.fail(n, what + " '" + s + "' may hold only letters, digits and '_'");
  if (s.rfind("_pond_", 0) == 0) r.fail(n, what + " '" + s + "': names starting with _pond_ are pond's own");
  return s;
}

template <typename E>
E choice(const Reader& r, const YamlNode& n, const std::string& what,
         const std::vector<std::pair<std::string, E>>& options) {
  std::string v = r.str(n, what);
  std::vector<std::string> names;
  for (const auto& [k, e] : options) {
    if (k == v) return e;
    names.push_back(k);
  }
  std::string guess = closest_match(v, names);
  r.fail(n, what + " must be one of " + join(names) + ", not '" + v + "'",
         guess.empty() ? "" : "did you mean '" + guess + "'?");
}

// A single character option (delimiter, quote, escape); "\t" and "tab" spell a tab.
std::string character(const Reader& r, const YamlNode& n, const std::string& what) {
  std::string s = r.str(n, what);
  if (s == "\\t" || s == "tab") s = "\t";
  if (s.size() > 1) r.fail(n, what + " must be one character, not '" + s + "'");
  return s;
}

// `contract: freeze`, or `contract: {columns: freeze, data_type: discard_value}`.
ingest::Contract read_contract(const Reader& r, const YamlNode& n) {
  auto mode = [&](const YamlNode& v, const std::string& what) {
    return choice<ingest::ContractMode>(r, v, what,
                                        {{"evolve", ingest::ContractMode::kEvolve},
                                         {"freeze", ingest::ContractMode::kFreeze},
                                         {"discard_value", ingest::ContractMode::kDiscardValue},
                                         {"discard_row", ingest::ContractMode::kDiscardRow}});
  };
  ingest::Contract c;
  if (!n.is_map()) {
    c.columns = c.data_type = mode(n, "'contract:'");
    return c;
  }
  r.keys(n, "'contract:'", {"columns", "data_type"});
  if (const auto& v = n["columns"]) c.columns = mode(v, "'contract: columns:'");
  if (const auto& v = n["data_type"]) c.data_type = mode(v, "'contract: data_type:'");
  return c;
}

// The keys every source has: the table, the disposition, the asset's description.
void read_common(const Reader& r, const YamlNode& n, ResourceConfig& res) {
  if (const auto& v = n["columns"]) {
    if (!v.is_map())
      r.fail(v, "'columns:' must map column names to types", "e.g. columns: {amount: DECIMAL(12,2)}");
    for (std::size_t i = 0; i < v.size(); ++i)
      res.columns[r.name(v.key(i), "a column name")] = r.name(v.value(i), "a column type");
  }
  if (const auto& v = n["schema"]) res.schema = identifier(r, v, "'schema:'");
  if (const auto& v = n["table"]) res.table = identifier(r, v, "'table:'");
  if (const auto& v = n["write"])
    res.write = choice<WriteDisposition>(r, v, "'write:'",
                                         {{"append", WriteDisposition::kAppend},
                                          {"replace", WriteDisposition::kReplace},
                                          {"merge", WriteDisposition::kMerge},
                                          {"scd2", WriteDisposition::kScd2}});
  if (const auto& v = n["primary_key"]) {
    res.primary_key = r.strings(v, "'primary_key:'");
    if (res.primary_key.empty()) r.fail(v, "'primary_key:' names at least one column");
    if (!ingest::keyed(res.write))
      r.fail(v, "'primary_key:' belongs to write: merge or write: scd2",
             "add write: merge, or remove primary_key");
  }
  if (ingest::keyed(res.write) && res.primary_key.empty())
    r.fail(n["write"], std::string("write: ") + ingest::write_name(res.write) +
                           " needs 'primary_key:' (the column or columns that identify a row)");
  if (const auto& v = n["retire_absent"]) {
    if (res.write != WriteDisposition::kScd2)
      r.fail(v, "'retire_absent:' belongs to write: scd2", "add write: scd2, or remove retire_absent");
    res.retire_absent = r.boolean(v, "'retire_absent:'");
  }
  if (const auto& v = n["contract"]) res.contract = read_contract(r, v);
  if (const auto& v = n["description"]) res.description = r.str(v, "'description:'");
  if (const auto& v = n["group"]) res.group = r.name(v, "'group:'");
  if (const auto& v = n["tags"]) res.tags = r.strings(v, "'tags:'");
}

// from: delta: the table's folder, a version; replace by default (the table as it is now).
void read_delta_source(const Reader& r, const YamlNode& n, ResourceConfig& res) {
  res.source = ingest::SourceKind::kDelta;
  if (!n["path"])
    r.fail(n, "ingest resource '" + res.name + "' needs 'path:'",
           "the Delta table's folder (the one holding _delta_log/), e.g. path: landing/orders_delta");
  res.path = r.name(n["path"], "'path:'");
  if (const auto& v = n["columns"])
    r.fail(v, "'columns:' belongs to files and rest; a Delta table's types come from its schema");
  if (const auto& v = n["incremental"])
    r.fail(v, "a Delta resource is incremental by the table's version; remove 'incremental:'",
           "write: replace (default) loads each new version whole; append and merge the files added since");
  if (const auto& v = n["version"]) res.delta_version = r.integer(v, "'version:'", 0, 2147483647);
  res.write = WriteDisposition::kReplace;
  read_common(r, n, res);
  res.incremental = Incremental::kCursor;
}

// `max_nesting:` (JSON records) and `on_bad_record:` (records one per line), files and REST.
void read_record_options(const Reader& r, const YamlNode& n, ResourceConfig& res) {
  const FileFormat format = res.source == ingest::SourceKind::kRest ? FileFormat::kJsonLines
                            : res.format                            ? *res.format
                                                                    : *ingest::format_of_path(res.path);
  const bool json = format == FileFormat::kJsonLines || format == FileFormat::kJsonArray;
  if (const auto& v = n["max_nesting"]) {
    if (!json)
      r.fail(v, std::string("'max_nesting:' belongs to JSON records (jsonl and json files, rest), not ") +
                    ingest::format_name(format) + " files");
    res.max_nesting = r.integer(v, "'max_nesting:'", 0, 1000);
  }
  if (const auto& v = n["on_bad_record"]) {
    res.on_bad_record = choice<ingest::BadRecords>(
        r, v, "'on_bad_record:'",
        {{"fail", ingest::BadRecords::kFail}, {"quarantine", ingest::BadRecords::kQuarantine}});
    if (res.on_bad_record == ingest::BadRecords::kQuarantine &&
        (format == FileFormat::kJsonArray || format == FileFormat::kParquet))
      r.fail(
          v,
          std::string(
              "'on_bad_record: quarantine' takes records one per line (csv, tsv, jsonl files, rest), not ") +
              ingest::format_name(format) + " files",
          "a broken JSON array or parquet file has no record to set apart: it fails the load");
  }
}

// Files `incremental: {cursor: COLUMN, initial: VALUE}`: rows past the last load's highest value.
void read_files_cursor(const Reader& r, const YamlNode& v, ResourceConfig& res) {
  res.files_cursor = read_cursor_incremental(r, v, res, "the files");
  res.incremental = Incremental::kCursor;
}

ResourceConfig read_source(const Reader& r, const std::string& name, const YamlNode& n) {
  ResourceConfig res;
  res.name = name;
  res.table = name;
  res.where = r.where(n);
  if (!n.is_map()) r.fail(n, "ingest resource '" + name + "' must be a mapping");
  if (!n["from"])
    r.fail(n, "ingest resource '" + name + "' needs 'from:'",
           "from: files (with path: landing/*.csv), from: rest, from: postgres or from: delta");
  std::string from = r.str(n["from"], "'from:'");
  if (from != "files" && from != "rest" && from != "postgres" && from != "delta")
    r.fail(n["from"], "'from:' must be files, rest, postgres or delta, not '" + from + "'");
  r.keys(n, "ingest resource '" + name + "' (from: " + from + ")",
         keys_of(from == "rest"       ? kRestKeys
                 : from == "postgres" ? kPostgresKeys
                 : from == "delta"    ? kDeltaKeys
                                      : kFileKeys));
  if (from == "delta") {
    read_delta_source(r, n, res);
    return res;
  }
  if (from == "postgres") {
    res.source = ingest::SourceKind::kPostgres;
    read_common(r, n, res);
    read_postgres_source(r, n, res);
    return res;
  }
  if (from == "rest") {
    res.source = ingest::SourceKind::kRest;
    read_common(r, n, res);
    read_rest_source(r, n, res);
    read_record_options(r, n, res);
    return res;
  }
  if (!n["path"])
    r.fail(n, "ingest resource '" + name + "' needs 'path:'",
           "a file or glob, e.g. path: landing/orders/*.csv");
  res.path = r.name(n["path"], "'path:'");
  if (const auto& v = n["format"])
    res.format = choice<FileFormat>(r, v, "'format:'",
                                    {{"csv", FileFormat::kCsv},
                                     {"tsv", FileFormat::kTsv},
                                     {"jsonl", FileFormat::kJsonLines},
                                     {"json", FileFormat::kJsonArray},
                                     {"parquet", FileFormat::kParquet}});
  else if (!ingest::format_of_path(res.path))
    r.fail(n["path"], "ingest resource '" + name + "': cannot tell the format from '" + res.path + "'",
           "add format: csv, tsv, jsonl, json or parquet");
  FileFormat format = res.format ? *res.format : *ingest::format_of_path(res.path);
  if (const auto& v = n["compression"])
    res.compression = choice<Compression>(r, v, "'compression:'",
                                          {{"auto", Compression::kAuto},
                                           {"none", Compression::kNone},
                                           {"gzip", Compression::kGzip},
                                           {"zstd", Compression::kZstd}});
  if (format == FileFormat::kParquet && res.compression != Compression::kAuto)
    r.fail(n["compression"], "parquet files carry their own compression; remove 'compression:'");
  bool csv = format == FileFormat::kCsv || format == FileFormat::kTsv;
  for (const char* key : {"delimiter", "header", "quote", "escape", "null_strings", "encoding"})
    if (n[key] && !csv)
      r.fail(n[key],
             std::string("'") + key + ":' belongs to csv and tsv files, not " + ingest::format_name(format));
  if (const auto& v = n["delimiter"]) res.csv.delimiter = character(r, v, "'delimiter:'");
  if (const auto& v = n["header"]) res.csv.header = r.boolean(v, "'header:'");
  if (const auto& v = n["quote"]) res.csv.quote = character(r, v, "'quote:'");
  if (const auto& v = n["escape"]) res.csv.escape = character(r, v, "'escape:'");
  if (const auto& v = n["null_strings"]) res.csv.null_strings = r.strings(v, "'null_strings:'");
  if (const auto& v = n["encoding"]) {
    res.csv.encoding = r.str(v, "'encoding:'");
    if (*res.csv.encoding != "utf-8" && *res.csv.encoding != "utf-16" && *res.csv.encoding != "latin-1")
      r.fail(v, "'encoding:' must be utf-8, utf-16 or latin-1, not '" + *res.csv.encoding + "'");
  }
  read_common(r, n, res);
  // replace loads every file each time (the table is what the files hold now); append and merge
  // load each file once.
  res.incremental = res.write == WriteDisposition::kReplace ? Incremental::kNone : Incremental::kFiles;
  if (const auto& v = n["incremental"]; v && v.is_map()) {
    read_files_cursor(r, v, res);
  } else if (v) {
    res.incremental = choice<Incremental>(r, v, "'incremental:'",
                                          {{"files", Incremental::kFiles}, {"none", Incremental::kNone}});
    if (res.write == WriteDisposition::kReplace && res.incremental == Incremental::kFiles)
      r.fail(v,
             "write: replace loads every file each time; 'incremental: files' belongs to append and merge");
  }
  read_record_options(r, n, res);
  return res;
}

ResourceConfig read_resource(const Reader& r, const std::string& name, const YamlNode& n) {
  ResourceConfig res = read_source(r, name, n);
  read_ingest_partitions(r, n, res);
  return res;
}

}  // namespace

ingest::CursorIncremental read_cursor_incremental(const Reader& r, const YamlNode& v,
                                                  const ResourceConfig& res, const std::string& columns) {
  r.keys(v, "'incremental:'", {"cursor", "initial"});
  if (!v["cursor"]) r.fail(v, "'incremental:' needs 'cursor:' (a column of " + columns + ")");
  if (res.write == WriteDisposition::kReplace)
    r.fail(
        v,
        "write: replace loads every row each time; an incremental cursor belongs to append, merge and scd2");
  ingest::CursorIncremental inc;
  inc.cursor = r.name(v["cursor"], "'incremental: cursor:'");
  if (const auto& i = v["initial"]) {
    // YAML's typing: `initial: 100` is a number, `initial: "2024-01-01"` (or 2024-01-01) a string.
    nlohmann::json value = project::yaml_scalar_to_json(r.str(i, "'incremental: initial:'"), i.quoted);
    if (!value.is_number()) value = i.scalar;
    inc.initial = value.dump();
  }
  return inc;
}

void read_ingest(const Reader& r, const YamlNode& section, PondConfig& config) {
  if (!section.is_map())
    r.fail(section, "'ingest:' must map resource names to their definitions",
           "e.g. ingest: {orders: {from: files, path: landing/orders/*.csv}}");
  std::set<std::string> tables;
  for (std::size_t i = 0; i < section.size(); ++i) {
    std::string name = identifier(r, section.key(i), "an ingest resource name");
    for (const auto& other : config.ingest)
      if (other.name == name) r.fail(section.key(i), "duplicate ingest resource '" + name + "'");
    ResourceConfig res = read_resource(r, name, section.value(i));
    if (!tables.insert(to_lower(res.qualified_table())).second)
      r.fail(section.value(i), "two ingest resources load " + res.qualified_table(),
             "each lake table has one producer; give one of them another 'table:'");
    // A resource's child tables (nested JSON) are `<table>__<field>`: another resource's table
    // of that shape would be taken for one of them.
    for (const auto& other : config.ingest) {
      const std::string a = to_lower(res.qualified_table()), b = to_lower(other.qualified_table());
      if (a.starts_with(b + "__") || b.starts_with(a + "__"))
        r.fail(section.value(i),
               "ingest resources '" + other.name + "' and '" + name + "' load " + other.qualified_table() +
                   " and " + res.qualified_table() +
                   ": a table named <table>__... is a child table of <table>",
               "give one of them another 'table:'");
    }
    config.ingest.push_back(std::move(res));
  }
}

}  // namespace pond::orchestrate
