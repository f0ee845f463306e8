// dbt-duckdb's external materialization: COPY the rows to files, then a view reads them back.
// Files are written beside the final location and renamed into place, so readers never see a
// half-written file and a failing model leaves the previous files and view in place.
#include <filesystem>
#include <system_error>

#include "common/error.hpp"
#include "materialize/build_internal.hpp"
#include "materialize/model.hpp"

namespace pond::materialize::detail {

namespace fs = std::filesystem;

namespace {

std::string infer_format(const ExternalConfig& ext) {
  if (!ext.format.empty()) return ext.format;
  std::string ext_name = fs::path(ext.location).extension().string();
  if (ext_name == ".csv") return "csv";
  if (ext_name == ".json" || ext_name == ".ndjson") return "json";
  return "parquet";
}

std::string reader(const std::string& format, const std::string& glob, bool hive) {
  std::string h = hive ? ", hive_partitioning = true" : "";
  if (format == "csv") return "read_csv_auto(" + quote_literal(glob) + ", header = true" + h + ")";
  if (format == "json") return "read_json_auto(" + quote_literal(glob) + h + ")";
  return "read_parquet(" + quote_literal(glob) + h + ")";
}

}  // namespace

MaterializeResult build_external(Session& session, const ModelSpec& spec, const RunOptions&) {
  const ExternalConfig& ext = spec.external;
  std::string format = infer_format(ext);
  if (format != "parquet" && format != "csv" && format != "json") {
    throw UserError("external model '" + spec.unique_id + "': unknown format '" + format + "'",
                    "use parquet, csv or json");
  }
  std::string location = ext.location;
  if (location.empty()) {
    fs::path root = ext.external_root.empty() ? fs::path(".") : fs::path(ext.external_root);
    location = (root / (spec.relation.identifier + (ext.partition_by.empty() ? "." + format : ""))).string();
  }
  bool partitioned = !ext.partition_by.empty();
  fs::path final_path(location);
  fs::path staging = final_path;
  staging += ".pond_tmp";
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (final_path.has_parent_path()) fs::create_directories(final_path.parent_path());

  MaterializeResult result;
  run_hooks(session, spec.pre_hooks, false);
  Relation temp = temp_relation(spec.relation);
  session.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(temp.identifier) + " AS (\n" +
                  strip_statement(spec.compiled_sql) + "\n)");
  result.rows_affected =
      static_cast<std::uint64_t>(session.scalar_int("SELECT count(*) FROM " + temp.render()));
  std::string options = "FORMAT " + format;
  if (format == "csv") options += ", HEADER true";
  if (partitioned) options += ", PARTITION_BY (" + quoted_csv(ext.partition_by) + ")";
  session.execute("COPY (SELECT * FROM " + temp.render() + ") TO " + quote_literal(staging.string()) + " (" +
                  options + ")");
  session.execute("DROP TABLE " + temp.render());

  // Swap the files in: the old copy moves aside first so that the rename cannot fail on a
  // non-empty directory, and comes back if the new one cannot be put in place.
  fs::path backup = final_path;
  backup += ".pond_old";
  fs::remove_all(backup, ec);
  bool had_old = fs::exists(final_path);
  if (had_old) fs::rename(final_path, backup);
  try {
    fs::rename(staging, final_path);
  } catch (...) {
    if (had_old) fs::rename(backup, final_path, ec);
    throw;
  }
  fs::remove_all(backup, ec);

  std::string glob = partitioned ? (final_path / "**" / ("*." + format)).string() : final_path.string();
  Transaction tx(session);
  run_hooks(session, spec.pre_hooks, true);
  drop_if_kind(session, spec.relation, RelationKind::kTable);
  session.execute("CREATE OR REPLACE VIEW " + spec.relation.render() + " AS SELECT * FROM " +
                  reader(format, glob, partitioned));
  DuckDbBackend duckdb;
  persist_docs(session, duckdb, spec, true);
  run_hooks(session, spec.post_hooks, true);
  tx.commit();
  session.remember(spec.relation, RelationKind::kView);
  run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize::detail
