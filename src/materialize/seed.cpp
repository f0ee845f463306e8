#include "materialize/seed.hpp"

#include <filesystem>

#include "common/error.hpp"
#include "materialize/build_internal.hpp"

namespace pond::materialize {

namespace {

std::string csv_reader(const SeedSpec& spec) {
  return "read_csv(" + quote_literal(spec.csv_path) +
         ", header = true, all_varchar = true, delim = " + quote_literal(spec.delimiter) + ")";
}

// NULL for what agate reads as null: nothing, '' and 'null' (any case).
std::string nullable(const std::string& col) {
  return "CASE WHEN lower(trim(" + col + ")) IN ('', 'null') THEN NULL ELSE " + col + " END";
}

constexpr const char* kNumber = R"('^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$')";
constexpr const char* kDate = R"('^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$')";
constexpr const char* kDateTime =
    R"('^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$')";

}  // namespace

std::vector<Column> infer_seed_columns(Session& session, const SeedSpec& spec) {
  if (!std::filesystem::exists(spec.csv_path)) {
    throw UserError("seed file not found: " + spec.csv_path, ExitCode::kStepFailed);
  }
  std::string reader = csv_reader(spec);
  std::vector<Column> raw = session.columns_of_query("SELECT * FROM " + reader);
  std::string select;
  for (const Column& c : raw) {
    std::string v = "trim(" + nullable(quote_identifier(c.name)) + ")";
    auto all = [&](const std::string& cond) { return "bool_and(" + v + " IS NULL OR (" + cond + "))"; };
    if (!select.empty()) select += ",\n";
    select += "bool_and(" + v + " IS NULL)";
    select += ", " + all("regexp_full_match(" + v + ", " + kNumber + ")");
    select += ", coalesce(bool_or(regexp_full_match(" + v + ", '.*\\.[0-9].*') AND regexp_full_match(" + v +
              ", " + kNumber + ")), false)";
    select += ", " + all("TRY_CAST(" + v + " AS INTEGER) IS NOT NULL");
    select += ", " + all("TRY_CAST(" + v + " AS BIGINT) IS NOT NULL");
    select += ", " + all("regexp_full_match(" + v + ", " + kDate + ") AND try_strptime(" + v +
                         ", '%Y-%m-%d') IS NOT NULL");
    select += ", " + all("regexp_full_match(" + v + ", " + kDateTime + ") AND TRY_CAST(" + v +
                         " AS TIMESTAMP) IS NOT NULL");
    select += ", " + all("lower(" + v + ") IN ('true', 'false')");
  }
  auto rows = session.run("SELECT " + select + " FROM " + reader).rows_as_text();
  std::vector<Column> out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto flag = [&](std::size_t k) {
      const auto& cell = rows.at(0).at(i * 8 + k);
      return cell && *cell == "true";
    };
    std::string type;
    if (rows.empty() || flag(0))
      type = "INTEGER";
    else if (flag(1) && flag(2))
      type = "DOUBLE";
    else if (flag(1) && flag(3))
      type = "INTEGER";
    else if (flag(1) && flag(4))
      type = "BIGINT";
    else if (flag(1))
      type = "DOUBLE";
    else if (flag(5))
      type = "DATE";
    else if (flag(6))
      type = "TIMESTAMP";
    else if (flag(7))
      type = "BOOLEAN";
    else
      type = "VARCHAR";
    auto it = spec.column_types.find(raw[i].name);
    if (it != spec.column_types.end()) type = it->second;
    out.push_back({raw[i].name, type});
  }
  return out;
}

MaterializeResult load_seed(Session& session, Backend& backend, const SeedSpec& spec,
                            const RunOptions& options) {
  backend.ensure_schema(session, spec.relation);
  std::vector<Column> columns = infer_seed_columns(session, spec);
  std::string select;
  for (const Column& c : columns) {
    std::string v = nullable(quote_identifier(c.name));
    if (c.type != "VARCHAR") v = "trim(" + v + ")";
    select +=
        (select.empty() ? "" : ", ") + ("CAST(" + v + " AS " + c.type + ") AS " + quote_identifier(c.name));
  }
  select = "SELECT " + select + " FROM " + csv_reader(spec) + (options.empty ? " LIMIT 0" : "");
  MaterializeResult result;
  detail::run_hooks(session, spec.pre_hooks, false);
  BuildTransaction tx(session, backend);
  detail::run_hooks(session, spec.pre_hooks, true);
  bool full = spec.full_refresh.value_or(options.full_refresh);
  // dbt truncates and reloads an existing seed, keeping the table (its grants, comments and,
  // in the lake, its history); a changed header needs --full-refresh, as in dbt.
  bool keep = !full && backend.kind_of(session, spec.relation) == RelationKind::kTable;
  if (keep) {
    detail::SchemaChange d = detail::diff_columns(backend.columns_of(session, spec.relation), columns);
    if (!d.added.empty() || !d.removed.empty()) {
      auto names = [](const std::vector<Column>& cols) {
        std::string out;
        for (const auto& c : cols) out += (out.empty() ? "" : ", ") + c.name;
        return out.empty() ? std::string("none") : out;
      };
      throw UserError(
          "the columns of seed " + spec.unique_id + " (" + spec.csv_path + ") changed since its table " +
              spec.relation.display() + " was built (new: " + names(d.added) + "; gone: " + names(d.removed) +
              ")",
          "run `pond seed --full-refresh -s " + spec.relation.identifier + "` to rebuild the table",
          ExitCode::kStepFailed);
    }
  }
  Write w = keep ? backend.overwrite(session, spec.relation, select)
                 : backend.replace_table(session, spec.relation, select);
  result.rows_affected = w.rows;
  result.snapshot = w.snapshot;
  detail::run_hooks(session, spec.post_hooks, true);
  tx.commit();
  detail::run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize
