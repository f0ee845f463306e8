#include "materialize/snapshot.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "materialize/detail.hpp"

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

MaterializeResult take_snapshot(Session& session, const SnapshotSpec& spec, const RunOptions& options) {
  if (spec.unique_key.empty()) throw UserError("snapshot '" + spec.unique_id + "' needs a unique_key");
  if (spec.strategy == SnapshotStrategy::kTimestamp && spec.updated_at.empty()) {
    throw UserError("snapshot '" + spec.unique_id + "' uses the timestamp strategy but has no updated_at");
  }
  session.ensure_schema(spec.relation);
  const std::string now = options.now ? "CAST(" + quote_literal(*options.now) + " AS TIMESTAMP)"
                                      : "CAST(timezone('UTC', current_timestamp) AS TIMESTAMP)";
  const std::string source = strip_statement(spec.compiled_sql);
  const std::string rel = spec.relation.render();
  std::vector<std::string> cols = column_names(session.columns_of_query(source));
  bool new_record = spec.hard_deletes == HardDeletes::kNewRecord;
  std::string updated_expr =
      spec.strategy == SnapshotStrategy::kTimestamp ? quote_identifier(spec.updated_at) : now;

  MaterializeResult result;
  detail::run_hooks(session, spec.pre_hooks, false);
  Transaction tx(session);
  detail::run_hooks(session, spec.pre_hooks, true);
  if (session.kind_of(spec.relation) != RelationKind::kTable) {
    std::string sql =
        "CREATE TABLE " + rel + " AS SELECT q.*, " + scd_hash(spec.unique_key, "q.", "q." + updated_expr) +
        " AS dbt_scd_id, q." + updated_expr + " AS dbt_updated_at, q." + updated_expr +
        " AS dbt_valid_from, nullif(q." + updated_expr + ", q." + updated_expr + ") AS dbt_valid_to" +
        (new_record ? ", 'False' AS dbt_is_deleted" : "") + " FROM (\n" + source + "\n) AS q";
    if (spec.strategy == SnapshotStrategy::kCheck) {
      sql = "CREATE TABLE " + rel + " AS SELECT q.*, " + scd_hash(spec.unique_key, "q.", now) +
            " AS dbt_scd_id, " + now + " AS dbt_updated_at, " + now +
            " AS dbt_valid_from, CAST(NULL AS TIMESTAMP) AS dbt_valid_to" +
            (new_record ? ", 'False' AS dbt_is_deleted" : "") + " FROM (\n" + source + "\n) AS q";
    }
    session.execute(sql);
    result.rows_affected = static_cast<std::uint64_t>(session.scalar_int("SELECT count(*) FROM " + rel));
  } else {
    // New source columns join the snapshot table (dbt adds them; removed ones stay).
    std::vector<Column> existing = session.columns_of(spec.relation);
    for (const Column& c : session.columns_of_query(source)) {
      bool found =
          std::any_of(existing.begin(), existing.end(), [&](const Column& e) { return e.name == c.name; });
      if (!found)
        session.execute("ALTER TABLE " + rel + " ADD COLUMN " + quote_identifier(c.name) + " " + c.type);
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
    session.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(staging_rel.identifier) + " AS " +
                    staging + "\n" + all);
    std::string s = staging_rel.render();
    result.rows_affected +=
        session.execute("UPDATE " + rel + " AS t SET dbt_valid_to = s.dbt_valid_to FROM " + s +
                        " AS s WHERE s.dbt_scd_id = t.dbt_scd_id AND s.dbt_change_type IN ('update', "
                        "'delete') AND t.dbt_valid_to IS NULL");
    std::string insert_cols = quoted_csv(cols) +
                              ", dbt_updated_at, dbt_valid_from, dbt_valid_to, dbt_scd_id" +
                              (new_record ? ", dbt_is_deleted" : "");
    result.rows_affected += session.execute("INSERT INTO " + rel + " (" + insert_cols + ") SELECT " +
                                            insert_cols + " FROM " + s + " WHERE dbt_change_type = 'insert'");
    session.execute("DROP TABLE " + s);
  }
  detail::run_hooks(session, spec.post_hooks, true);
  tx.commit();
  session.remember(spec.relation, RelationKind::kTable);
  detail::run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize
