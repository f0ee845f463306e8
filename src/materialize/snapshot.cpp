#include "materialize/snapshot.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/scope_guard.hpp"
#include "engine/connection.hpp"
#include "materialize/build_internal.hpp"

namespace pond::materialize {

HardDeletes parse_hard_deletes(const std::string& s) {
  if (s == "ignore") return HardDeletes::kIgnore;
  if (s == "invalidate") return HardDeletes::kInvalidate;
  if (s == "new_record") return HardDeletes::kNewRecord;
  throw UserError("unknown hard_deletes '" + s + "'", "use one of: ignore, invalidate, new_record");
}

namespace {

bool is_meta(const std::string& name) {
  return name == "dbt_scd_id" || name == "dbt_updated_at" || name == "dbt_valid_from" ||
         name == "dbt_valid_to" || name == "dbt_is_deleted";
}

// dbt's snapshot_hash_arguments: md5 of the '|'-joined values cast to varchar.
std::string scd_hash(const std::vector<std::string>& keys, const std::string& prefix,
                     const std::string& updated) {
  std::string args;
  for (const auto& k : keys)
    args += "coalesce(CAST(" + prefix + quote_identifier(k) + " AS VARCHAR), '') || '|' || ";
  return "md5(" + args + "coalesce(CAST(" + updated + " AS VARCHAR), ''))";
}

std::string keys_equal(const std::vector<std::string>& keys, const std::string& a, const std::string& b) {
  std::vector<std::string> parts;
  for (const auto& k : keys)
    parts.push_back(a + "." + quote_identifier(k) + " = " + b + "." + quote_identifier(k));
  return detail::and_join(parts);
}

std::string prefixed(const std::vector<std::string>& cols, const std::string& p) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + p + "." + quote_identifier(c);
  return out;
}

}  // namespace

MaterializeResult take_snapshot(Session& session, Backend& backend, const SnapshotSpec& spec,
                                const RunOptions& options) {
  if (spec.unique_key.empty()) throw UserError("snapshot '" + spec.unique_id + "' needs a unique_key");
  if (spec.strategy == SnapshotStrategy::kTimestamp && spec.updated_at.empty()) {
    throw UserError("snapshot '" + spec.unique_id + "' uses the timestamp strategy but has no updated_at");
  }
  backend.ensure_schema(session, spec.relation);
  const std::string now = options.now ? "CAST(" + quote_literal(*options.now) + " AS TIMESTAMP)"
                                      : "CAST(timezone('UTC', current_timestamp) AS TIMESTAMP)";
  const std::string source = strip_statement(spec.compiled_sql);
  const std::string rel = spec.relation.render();
  std::vector<Column> source_columns = session.columns_of_query(source);
  std::vector<std::string> cols = column_names(source_columns);
  bool new_record = spec.hard_deletes == HardDeletes::kNewRecord;
  std::string updated_expr =
      spec.strategy == SnapshotStrategy::kTimestamp ? quote_identifier(spec.updated_at) : now;

  MaterializeResult result;
  detail::run_hooks(session, spec.pre_hooks, false);
  BuildTransaction tx(session, backend);
  detail::run_hooks(session, spec.pre_hooks, true);
  if (backend.kind_of(session, spec.relation) != RelationKind::kTable) {
    std::string sql = "SELECT q.*, " + scd_hash(spec.unique_key, "q.", "q." + updated_expr) +
                      " AS dbt_scd_id, q." + updated_expr + " AS dbt_updated_at, q." + updated_expr +
                      " AS dbt_valid_from, nullif(q." + updated_expr + ", q." + updated_expr +
                      ") AS dbt_valid_to" + (new_record ? ", 'False' AS dbt_is_deleted" : "") + " FROM (\n" +
                      source + "\n) AS q";
    if (spec.strategy == SnapshotStrategy::kCheck) {
      sql = "SELECT q.*, " + scd_hash(spec.unique_key, "q.", now) + " AS dbt_scd_id, " + now +
            " AS dbt_updated_at, " + now + " AS dbt_valid_from, CAST(NULL AS TIMESTAMP) AS dbt_valid_to" +
            (new_record ? ", 'False' AS dbt_is_deleted" : "") + " FROM (\n" + source + "\n) AS q";
    }
    Write w = backend.replace_table(session, spec.relation, sql);
    result.rows_affected = w.rows;
    result.snapshot = w.snapshot;
  } else {
    // New source columns join the snapshot table (dbt adds them; removed ones stay).
    std::vector<Column> existing = backend.columns_of(session, spec.relation);
    for (const Column& c : source_columns) {
      bool found =
          std::any_of(existing.begin(), existing.end(), [&](const Column& e) { return e.name == c.name; });
      if (!found) backend.add_column(session, spec.relation, c);
    }
    std::vector<std::string> check = spec.check_cols;
    if (spec.strategy == SnapshotStrategy::kCheck && check.empty()) {
      for (const auto& c : cols) {
        if (std::find(spec.unique_key.begin(), spec.unique_key.end(), c) == spec.unique_key.end() &&
            !is_meta(c))
          check.push_back(c);
      }
    }
    std::string changed;
    if (spec.strategy == SnapshotStrategy::kTimestamp) {
      changed = "t.dbt_valid_from < s.pond_updated";
    } else {
      std::vector<std::string> parts;
      for (const auto& c : check)
        parts.push_back("t." + quote_identifier(c) + " IS DISTINCT FROM s." + quote_identifier(c));
      changed = parts.empty() ? "false" : "(" + [&] {
        std::string o;
        for (const auto& p : parts) o += (o.empty() ? "" : " OR ") + p;
        return o;
      }() + ")";
    }
    // A current row marked deleted comes back as a new version when its key reappears.
    if (new_record) changed = "(" + changed + " OR t.dbt_is_deleted = 'True')";
    std::string extra = new_record ? ", 'False' AS dbt_is_deleted" : "";
    std::string tcols = prefixed(cols, "t"), scols = prefixed(cols, "s");
    std::string staging =
        "WITH snapshotted_data AS (SELECT * FROM " + rel +
        " WHERE dbt_valid_to IS NULL),\n"
        "source_data AS (SELECT q.*, " +
        (spec.strategy == SnapshotStrategy::kTimestamp ? "q." : "") + updated_expr +
        " AS pond_updated, true AS pond_present FROM (\n" + source +
        "\n) AS q),\n"
        "insertions AS (SELECT 'insert' AS dbt_change_type, " +
        scols +
        ", s.pond_updated AS dbt_updated_at, "
        "s.pond_updated AS dbt_valid_from, nullif(s.pond_updated, s.pond_updated) AS dbt_valid_to, " +
        scd_hash(spec.unique_key, "s.", "s.pond_updated") + " AS dbt_scd_id" + extra +
        " FROM source_data AS s LEFT JOIN snapshotted_data AS t ON " + keys_equal(spec.unique_key, "s", "t") +
        " WHERE t.dbt_scd_id IS NULL OR " + changed +
        "),\n"
        "updates AS (SELECT 'update', " +
        scols + ", s.pond_updated, s.pond_updated, s.pond_updated, t.dbt_scd_id" + extra +
        " FROM source_data AS s JOIN snapshotted_data AS t ON " + keys_equal(spec.unique_key, "s", "t") +
        " WHERE " + changed + ")";
    std::string all = "SELECT * FROM insertions UNION ALL SELECT * FROM updates";
    if (spec.hard_deletes != HardDeletes::kIgnore) {
      staging += ",\ndeletes AS (SELECT 'delete', " + tcols + ", " + now + ", " + now + ", " + now +
                 ", t.dbt_scd_id" + extra + " FROM snapshotted_data AS t LEFT JOIN source_data AS s ON " +
                 keys_equal(spec.unique_key, "s", "t") + " WHERE s.pond_present IS NULL" +
                 (new_record ? " AND t.dbt_is_deleted <> 'True'" : "") + ")";
      all += " UNION ALL SELECT * FROM deletes";
      if (new_record) {
        staging += ",\ndeleted_records AS (SELECT 'insert', " + tcols + ", " + now + ", " + now +
                   ", CAST(NULL AS TIMESTAMP), " + scd_hash(spec.unique_key, "t.", now) +
                   ", 'True' FROM snapshotted_data AS t LEFT JOIN source_data AS s ON " +
                   keys_equal(spec.unique_key, "s", "t") +
                   " WHERE s.pond_present IS NULL AND t.dbt_is_deleted <> 'True')";
        all += " UNION ALL SELECT * FROM deleted_records";
      }
    }
    Relation staging_rel = detail::temp_relation(spec.relation, "__dbt_tmp_staging");
    Relation rows_rel = detail::temp_relation(spec.relation, "__dbt_tmp_rows");
    ScopeGuard drop_temps([&] {
      session.connection().execute("DROP TABLE IF EXISTS " + staging_rel.render());
      session.connection().execute("DROP TABLE IF EXISTS " + rows_rel.render());
    });
    session.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(staging_rel.identifier) + " AS " +
                    staging + "\n" + all);
    const std::string s = staging_rel.render();
    // The rows the change writes, computed before it deletes anything: the current versions
    // that are closed (their dbt_valid_to set) and the new versions. Closing a version is a
    // delete of the current row plus an insert of the closed one, so every backend does it
    // with the same write; columns the source no longer has stay NULL in new versions.
    std::vector<std::string> table_cols = column_names(backend.columns_of(session, spec.relation));
    std::string insert_cols = quoted_csv(cols) +
                              ", dbt_updated_at, dbt_valid_from, dbt_valid_to, dbt_scd_id" +
                              (new_record ? ", dbt_is_deleted" : "");
    session.execute(
        "CREATE OR REPLACE TEMP TABLE " + quote_identifier(rows_rel.identifier) + " AS SELECT " +
        quoted_csv(table_cols) + " FROM (SELECT t.* REPLACE (s.dbt_valid_to AS dbt_valid_to) FROM " + rel +
        " AS t JOIN " + s +
        " AS s ON s.dbt_scd_id = t.dbt_scd_id WHERE s.dbt_change_type IN ('update', 'delete') AND "
        "t.dbt_valid_to IS NULL UNION ALL BY NAME SELECT " +
        insert_cols + " FROM " + s + " WHERE dbt_change_type = 'insert')");
    if (session.scalar_int("SELECT count(*) FROM " + rows_rel.render()) > 0) {
      std::string closed =
          "DBT_INTERNAL_DEST.dbt_valid_to IS NULL AND DBT_INTERNAL_DEST.dbt_scd_id IN (SELECT "
          "dbt_scd_id FROM " +
          s + " WHERE dbt_change_type IN ('update', 'delete'))";
      Write w = backend.delete_insert(session, spec.relation, closed, rows_rel.render(), table_cols);
      result.rows_affected = w.rows;
      result.snapshot = w.snapshot;
    }
  }
  detail::run_hooks(session, spec.post_hooks, true);
  tx.commit();
  detail::run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize
