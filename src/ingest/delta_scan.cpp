#include "ingest/delta_scan.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "common/error.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/delta_dv.hpp"

namespace pond::ingest {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The reader features whose meaning pond implements (the Delta protocol's "Table Features").
// Writer-only features never show up in readerFeatures.
const std::set<std::string> kReaderFeatures{
    "columnMapping",        // physical -> logical names (delta_columns, convert)
    "deletionVectors",      // delta_dv.cpp
    "timestampNtz",         // TIMESTAMP (no time zone)
    "v2Checkpoint",         // delta_log.cpp: JSON/parquet top-level file with sidecars
    "vacuumProtocolCheck",  // a writer's rule only
    "typeWidening",         // files of a narrower type: every column is cast to the schema's type
    "typeWidening-preview",
};

[[noreturn]] void refuse(const std::string& who, const DeltaSnapshot& snap, const std::string& what,
                         const std::string& hint) {
  throw UserError(who + ": Delta table " + snap.table.string() + " (version " + std::to_string(snap.version) +
                      "): " + what,
                  hint, ExitCode::kStepFailed);
}

std::string mapping_mode(const DeltaSnapshot& snap) {
  auto it = snap.metadata.configuration.find("delta.columnMapping.mode");
  return it == snap.metadata.configuration.end() ? "none" : it->second;
}

json parse_schema(const DeltaSnapshot& snap, const std::string& who) {
  json schema = json::parse(snap.metadata.schema_string, nullptr, false);
  if (schema.is_discarded() || !schema.is_object() || schema.value("type", "") != "struct" ||
      !schema.contains("fields") || !schema["fields"].is_array())
    refuse(who, snap, "metaData.schemaString is not a Delta struct schema",
           "the log is corrupt; check the table with its writer");
  return schema;
}

// The DuckDB type of a Delta type.
std::string duck_type(const json& t, const std::string& who, const DeltaSnapshot& snap) {
  if (t.is_string()) {
    static const std::map<std::string, std::string> kPrimitive{
        {"string", "VARCHAR"}, {"long", "BIGINT"},           {"integer", "INTEGER"},
        {"short", "SMALLINT"}, {"byte", "TINYINT"},          {"float", "FLOAT"},
        {"double", "DOUBLE"},  {"boolean", "BOOLEAN"},       {"binary", "BLOB"},
        {"date", "DATE"},      {"timestamp", "TIMESTAMPTZ"}, {"timestamp_ntz", "TIMESTAMP"}};
    std::string s = t.get<std::string>();
    if (auto it = kPrimitive.find(s); it != kPrimitive.end()) return it->second;
    if (s.starts_with("decimal(") && s.ends_with(")")) {
      std::string args = s.substr(8, s.size() - 9);
      std::string digits;
      for (char c : args)
        if (c != ' ') digits += c;
      auto comma = digits.find(',');
      if (comma != std::string::npos && !digits.empty() &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c) || c == ','; }))
        return "DECIMAL(" + digits + ")";
    }
    refuse(who, snap, "the column type '" + s + "' is not one pond reads",
           "pond reads Delta's primitive, decimal, struct, array and map types");
  }
  if (!t.is_object()) refuse(who, snap, "a column type must be a name or an object", "the log is corrupt");
  std::string kind = t.value("type", "");
  if (kind == "struct") {
    std::string out = "STRUCT(";
    bool first = true;
    for (const auto& f : t.at("fields")) {
      out += (first ? "" : ", ") + quote_identifier(f.at("name").get<std::string>()) + " " +
             duck_type(f.at("type"), who, snap);
      first = false;
    }
    return out + ")";
  }
  if (kind == "array") return duck_type(t.at("elementType"), who, snap) + "[]";
  if (kind == "map")
    return "MAP(" + duck_type(t.at("keyType"), who, snap) + ", " + duck_type(t.at("valueType"), who, snap) +
           ")";
  refuse(who, snap, "the column type '" + t.dump() + "' is not one pond reads",
         "pond reads Delta's primitive, decimal, struct, array and map types");
}

std::string physical_name(const json& field, bool mapped) {
  if (mapped)
    if (auto m = field.find("metadata"); m != field.end() && m->is_object())
      if (auto p = m->find("delta.columnMapping.physicalName"); p != m->end() && p->is_string())
        return p->get<std::string>();
  return field.at("name").get<std::string>();
}

// `expr` (a value as the file holds it) with nested struct fields renamed from physical to
// logical names; the caller casts the result to the column's type.
std::string rename_nested(const std::string& expr, const json& t, int depth) {
  if (!t.is_object()) return expr;
  std::string kind = t.value("type", "");
  std::string x = "__pond_x" + std::to_string(depth);
  if (kind == "struct") {
    std::string fields;
    for (const auto& f : t.at("fields"))
      fields += (fields.empty() ? "" : ", ") + quote_identifier(f.at("name").get<std::string>()) + " := " +
                rename_nested("(" + expr + ")." + quote_identifier(physical_name(f, true)), f.at("type"),
                              depth + 1);
    return "CASE WHEN (" + expr + ") IS NULL THEN NULL ELSE struct_pack(" + fields + ") END";
  }
  if (kind == "array")
    return "list_transform(" + expr + ", lambda " + x + ": " +
           rename_nested(x, t.at("elementType"), depth + 1) + ")";
  if (kind == "map")
    return "map_from_entries(list_transform(map_entries(" + expr + "), lambda " + x +
           ": struct_pack(key := " + rename_nested(x + ".key", t.at("keyType"), depth + 1) +
           ", value := " + rename_nested(x + ".value", t.at("valueType"), depth + 1) + ")))";
  return expr;
}

// A partition value (the log's text) as a typed SQL constant. Empty text is null, as for Delta
// writers; a timestamp without a zone is UTC.
std::string partition_literal(const std::optional<std::string>& value, const DeltaColumn& c) {
  if (!value || (value->empty() && c.type != "VARCHAR")) return "CAST(NULL AS " + c.type + ")";
  if (c.type == "TIMESTAMPTZ") {
    bool zoned = value->ends_with("Z") || value->find('+', 10) != std::string::npos ||
                 (value->size() > 19 && value->find('-', 19) != std::string::npos);
    if (!zoned) return "timezone('UTC', CAST(" + quote_literal(*value) + " AS TIMESTAMP))";
  }
  return "CAST(" + quote_literal(*value) + " AS " + c.type + ")";
}

bool is_naive_timestamp(const std::string& duck) {
  return duck == "TIMESTAMP" || duck == "TIMESTAMP_NS" || duck == "TIMESTAMP_MS" || duck == "TIMESTAMP_S";
}

}  // namespace

void check_delta_protocol(const DeltaSnapshot& snap, const std::string& who) {
  const DeltaProtocol& p = snap.protocol;
  std::string features;
  for (const auto& f : kReaderFeatures) features += (features.empty() ? "" : ", ") + f;
  const std::string upgrade =
      "pond reads Delta reader versions 1 to 3 with the features " + features +
      "; read a copy without the feature, or a version before it was enabled (version:)";
  if (p.min_reader_version < 1 || p.min_reader_version > 3)
    refuse(who, snap, "minReaderVersion " + std::to_string(p.min_reader_version) + " is not supported",
           upgrade);
  if (p.min_reader_version == 3) {
    if (!p.reader_features)
      refuse(who, snap, "minReaderVersion 3 without readerFeatures",
             "the log is corrupt; check the table with its writer");
    for (const auto& f : *p.reader_features)
      if (!kReaderFeatures.count(f))
        refuse(who, snap,
               "the reader feature '" + f + "' is not supported (reading it anyway could give wrong rows)",
               upgrade);
  }
  if (to_lower(snap.metadata.provider) != "parquet")
    refuse(who, snap, "the data format '" + snap.metadata.provider + "' is not parquet",
           "Delta tables keep their data in parquet");
  std::string mode = mapping_mode(snap);
  if (mode != "none" && mode != "name" && mode != "id")
    refuse(who, snap, "the column mapping mode '" + mode + "' is not none, name or id", upgrade);
}

std::vector<DeltaColumn> delta_columns(const DeltaSnapshot& snap, const std::string& who) {
  json schema = parse_schema(snap, who);
  bool mapped = mapping_mode(snap) != "none";
  std::set<std::string> partitions(snap.metadata.partition_columns.begin(),
                                   snap.metadata.partition_columns.end());
  std::vector<DeltaColumn> out;
  for (const auto& f : schema["fields"]) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type"))
      refuse(who, snap, "a schema field without name or type",
             "the log is corrupt; check the table with its writer");
    DeltaColumn c;
    c.name = f["name"].get<std::string>();
    c.physical = physical_name(f, mapped);
    if (mapped)
      if (auto m = f.find("metadata"); m != f.end() && m->is_object())
        if (auto id = m->find("delta.columnMapping.id"); id != m->end() && id->is_number_integer())
          c.field_id = id->get<std::int64_t>();
    c.type = duck_type(f["type"], who, snap);
    c.partition = partitions.erase(c.name) > 0;
    out.push_back(std::move(c));
  }
  if (!partitions.empty())
    refuse(who, snap, "the partition column '" + *partitions.begin() + "' is not in the schema",
           "the log is corrupt; check the table with its writer");
  return out;
}

DeltaScan::DeltaScan(engine::Connection& con, const DeltaSnapshot& snap, const std::vector<DeltaFile>& files,
                     const std::string& who, const std::string& shared_schema)
    : con_(con) {
  json schema = parse_schema(snap, who);
  std::vector<DeltaColumn> columns = delta_columns(snap, who);
  std::string mode = mapping_mode(snap);
  std::map<std::string, json> types;
  for (const auto& f : schema["fields"]) types[f["name"].get<std::string>()] = f["type"];

  std::vector<std::string> paths;
  for (const auto& f : files) {
    fs::path p = delta_file_path(snap.table, f.path, who);
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      throw UserError(who + ": Delta table " + snap.table.string() + " (version " +
                          std::to_string(snap.version) + "): the data file " + p.string() + " is missing",
                      "the table's files were removed (VACUUM) or copied incompletely; read a later version",
                      ExitCode::kStepFailed);
    paths.push_back(p.string());
  }
  if (paths.empty()) {
    // No data file: the columns with no row.
    for (const auto& c : columns)
      select_ +=
          (select_.empty() ? "" : ", ") + ("CAST(NULL AS " + c.type + ") AS " + quote_identifier(c.name));
    from_ = " WHERE false";
    return;
  }

  std::string list;
  for (const auto& p : paths) list += (list.empty() ? "" : ", ") + quote_literal(p);
  list = "[" + list + "]";
  std::string options = ", hive_partitioning = false, union_by_name = true, filename = '__pond_file'";

  // The files' columns and types (one read of their footers); a file that does not read is named.
  std::map<std::string, std::string> present;
  try {
    engine::Result r = con.query("DESCRIBE SELECT * FROM read_parquet(" + list + options + ")");
    while (auto chunk = r.next_chunk())
      for (std::size_t i = 0; i < chunk->size(); ++i)
        present[chunk->get<std::string>(0, i)] = chunk->get<std::string>(1, i);
  } catch (const engine::EngineError& e) {
    for (const auto& p : paths) try {
        con.query("DESCRIBE SELECT * FROM read_parquet(" + quote_literal(p) + ")");
      } catch (const engine::EngineError& one) {
        throw UserError(who + ": Delta table " + snap.table.string() + ": the data file " + p +
                            " cannot be read: " + short_engine_message(one.what()),
                        "the file is damaged; check the table with its writer", ExitCode::kStepFailed);
      }
    throw UserError(who + ": Delta table " + snap.table.string() +
                        ": reading its data files: " + short_engine_message(e.what()),
                    "", ExitCode::kStepFailed);
  }
  if (mode == "id") {
    // Resolution by field id: the files' top-level field ids must name the physical columns.
    engine::Result r = con.query("SELECT DISTINCT name, field_id FROM parquet_schema(" + list +
                                 ") WHERE field_id IS NOT NULL");
    std::map<std::int64_t, std::set<std::string>> by_id;
    while (auto chunk = r.next_chunk())
      for (std::size_t i = 0; i < chunk->size(); ++i)
        by_id[chunk->get<std::int64_t>(1, i)].insert(chunk->get<std::string>(0, i));
    for (const auto& c : columns) {
      if (c.partition || !c.field_id) continue;
      auto ids = by_id.find(*c.field_id);
      bool named = present.count(c.physical) > 0;
      if ((ids != by_id.end() && !ids->second.count(c.physical)) || (ids == by_id.end() && named))
        refuse(
            who, snap,
            "column mapping by id: the schema's column '" + c.name + "' (field id " +
                std::to_string(*c.field_id) + ", physical name '" + c.physical +
                "') does not match the data files' field ids",
            "pond resolves id mapping through the physical names and refuses files where the two disagree");
    }
  }

  std::vector<const DeltaColumn*> partition_columns;
  for (const auto& c : columns) {
    std::string expr;
    if (c.partition) {
      expr = "p.__pond_p" + std::to_string(partition_columns.size());
      partition_columns.push_back(&c);
    } else if (auto it = present.find(c.physical); it == present.end()) {
      expr = "CAST(NULL AS " + c.type + ")";  // added to the schema after these files were written
    } else {
      std::string col = "d." + quote_identifier(c.physical);
      if (c.type == "TIMESTAMPTZ" && is_naive_timestamp(it->second))
        expr = "timezone('UTC', " + col + ")";  // INT96 and non-adjusted timestamps hold UTC
      else
        expr =
            "CAST(" + (mode == "none" ? col : rename_nested(col, types[c.name], 0)) + " AS " + c.type + ")";
    }
    select_ += (select_.empty() ? "" : ", ") + expr + " AS " + quote_identifier(c.name);
  }

  bool any_dv = std::any_of(files.begin(), files.end(),
                            [](const DeltaFile& f) { return f.deletion_vector.has_value(); });
  from_ = " FROM read_parquet(" + list + options + (any_dv ? ", file_row_number = true" : "") + ") AS d";
  {
    // Each file's partition values, and its order for merge (`filename`): the commit that
    // added it, then its path, so that a later commit's row of a key wins.
    std::string values;
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::string version = std::to_string(files[i].version);
      std::string order =
          std::string(20 - std::min<std::size_t>(20, version.size()), '0') + version + " " + paths[i];
      std::string row = quote_literal(paths[i]) + ", " + quote_literal(order);
      for (const DeltaColumn* c : partition_columns) {
        auto it = files[i].partition_values.find(c->physical);
        row +=
            ", " + partition_literal(it == files[i].partition_values.end() ? std::nullopt : it->second, *c);
      }
      values += (values.empty() ? "(" : ", (") + row + ")";
    }
    std::string names = "__pond_file, __pond_order";
    for (std::size_t i = 0; i < partition_columns.size(); ++i) names += ", __pond_p" + std::to_string(i);
    from_ += " JOIN (VALUES " + values + ") AS p(" + names + ") ON p.__pond_file = d.__pond_file";
  }
  if (any_dv) {
    deleted_table_ = "pond_delta_deleted_" + random_uuid();
    std::erase(deleted_table_, '-');
    if (shared_schema.empty()) {
      con.execute("CREATE TEMP TABLE " + deleted_table_ + " (file VARCHAR, pos BIGINT)");
      deleted_table_ = "temp.main." + deleted_table_;
    } else {
      deleted_table_ = shared_schema + "." + deleted_table_;
      con.execute("CREATE SCHEMA IF NOT EXISTS " + shared_schema);
      con.execute("CREATE TABLE " + deleted_table_ + " (file VARCHAR, pos BIGINT)");
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!files[i].deletion_vector) continue;
      std::vector<std::int64_t> rows = read_delta_deletion_vector(snap.table, *files[i].deletion_vector, who);
      deleted_rows_ += static_cast<std::int64_t>(rows.size());
      constexpr std::size_t kBatch = 100000;
      for (std::size_t at = 0; at < rows.size(); at += kBatch) {
        std::string batch;
        for (std::size_t j = at; j < std::min(rows.size(), at + kBatch); ++j)
          batch += (batch.empty() ? "" : ",") + std::to_string(rows[j]);
        con.execute("INSERT INTO " + deleted_table_ + " SELECT " + quote_literal(paths[i]) + ", unnest([" +
                    batch + "]::BIGINT[])");
      }
    }
    from_ += " ANTI JOIN " + deleted_table_ + " AS x ON x.file = d.__pond_file AND x.pos = d.file_row_number";
  }
}

DeltaScan::~DeltaScan() {
  if (deleted_table_.empty()) return;
  try {
    con_.execute("DROP TABLE IF EXISTS " + deleted_table_);
  } catch (...) {
    // The connection's temporary tables go with it; nothing else holds this one.
  }
}

std::string DeltaScan::sql(bool with_filename) const {
  std::string filename = from_ == " WHERE false" ? "CAST(NULL AS VARCHAR)" : "p.__pond_order";
  return "SELECT " + select_ + (with_filename ? ", " + filename + " AS filename" : std::string()) + from_;
}

}  // namespace pond::ingest
