// Table, view and incremental models, seeds and snapshots as lake commits. The model's query
// runs in the run's DuckDB connection (where the lake's tables are views), its rows go
// straight to parquet, and one catalog transaction records them: a failing build commits
// nothing.
#include "lake_target/lake_models.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "lake/time_travel.hpp"
#include "materialize/detail.hpp"
#include "materialize/model.hpp"

namespace pond::lake_target {

namespace mz = materialize;

namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, name); });
}

// Drops a scratch relation of the run's DuckDB when the build ends, however it ends.
class DropOnExit {
 public:
  DropOnExit(engine::Connection& con, std::string drop_sql) : con_(con), sql_(std::move(drop_sql)) {}
  DropOnExit(const DropOnExit&) = delete;
  DropOnExit& operator=(const DropOnExit&) = delete;
  ~DropOnExit() {
    try {
      con_.execute(sql_);
    } catch (...) {  // cleanup only: the connection may be interrupted
    }
  }

 private:
  engine::Connection& con_;
  std::string sql_;
};

// Records a lake operation in the session's log, so target/run/ shows what ran.
void note(mz::Session& session, const std::string& what, const std::string& sql, double seconds) {
  session.log().push_back({"-- lake: " + what + (sql.empty() ? "" : "\n" + sql), seconds});
}

class Timer {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

struct Existing {
  std::optional<lake::Table> table;
  bool view = false;
  bool schema = false;
};

Existing existing(lake::Lake& lake, const mz::Relation& rel) {
  Existing e;
  lake::CatalogReader r = lake.reader();
  std::int64_t snap = r.latest_snapshot().id;
  std::string schema = rel.schema.empty() ? "main" : rel.schema;
  e.schema = r.find_schema(snap, schema).has_value();
  e.table = r.find_table(snap, schema, rel.identifier);
  for (const auto& v : r.views(snap))
    if (v.schema_name == schema && v.name == rel.identifier) e.view = true;
  return e;
}

void pre_hooks(mz::Session& session, const std::vector<mz::Hook>& hooks) {
  mz::detail::run_hooks(session, hooks, false);
  mz::detail::run_hooks(session, hooks, true);
}

void post_hooks(mz::Session& session, const std::vector<mz::Hook>& hooks) {
  mz::detail::run_hooks(session, hooks, true);
  mz::detail::run_hooks(session, hooks, false);
}

// dbt's incremental_predicates name the target DBT_INTERNAL_DEST; the lake's delete scan calls it t.
std::string dest_alias(std::string predicate) {
  for (const std::string from : {"DBT_INTERNAL_DEST.", "DBT_INCREMENTAL_TARGET."}) {
    for (auto at = predicate.find(from); at != std::string::npos; at = predicate.find(from, at))
      predicate.replace(at, from.size(), "t.");
  }
  return predicate;
}

// The columns to write after on_schema_change: new query columns are added to the lake table
// (append_new_columns, sync_all_columns), missing ones dropped (sync_all_columns).
std::vector<std::string> apply_schema_change(lake::Lake& lake, mz::Session& session,
                                             const mz::ModelSpec& spec, const std::string& name,
                                             const lake::Table& table, const std::vector<mz::Column>& given) {
  std::vector<std::string> present;
  for (const auto& c : table.columns) present.push_back(c.name);
  std::vector<mz::Column> added;
  std::vector<std::string> removed;
  for (const auto& c : given)
    if (!contains(present, c.name)) added.push_back(c);
  std::vector<std::string> given_names = mz::column_names(given);
  for (const auto& p : present)
    if (!contains(given_names, p)) removed.push_back(p);
  std::vector<std::string> dest;
  switch (spec.on_schema_change) {
    case mz::OnSchemaChange::kIgnore:
      for (const auto& c : given)
        if (contains(present, c.name)) dest.push_back(c.name);
      return dest;
    case mz::OnSchemaChange::kFail:
      if (!added.empty() || !removed.empty())
        throw UserError(
            fmt::format("the columns of incremental model {} changed (added: {}; removed: {}) and "
                        "on_schema_change is 'fail'",
                        spec.unique_id, added.size(), removed.size()),
            "run with --full-refresh, or set on_schema_change to append_new_columns or "
            "sync_all_columns");
      return given_names;
    case mz::OnSchemaChange::kAppendNewColumns:
    case mz::OnSchemaChange::kSyncAllColumns:
      for (const auto& c : added) {
        Timer t;
        lake.add_column(name, lake::ColumnDef{c.name, c.type, std::nullopt, true});
        note(session, "add column " + c.name + " " + c.type + " to " + name, "", t.seconds());
      }
      if (spec.on_schema_change == mz::OnSchemaChange::kSyncAllColumns) {
        for (const auto& r : removed) {
          Timer t;
          lake.drop_column(name, r);
          note(session, "drop column " + r + " of " + name, "", t.seconds());
        }
      }
      if (spec.on_schema_change == mz::OnSchemaChange::kSyncAllColumns) return given_names;
      for (const auto& c : given) dest.push_back(c.name);
      return dest;
  }
  return given_names;
}

std::vector<std::string> update_columns(const mz::ModelSpec& spec, const std::vector<std::string>& dest) {
  if (!spec.merge_update_columns.empty()) return spec.merge_update_columns;
  std::vector<std::string> out;
  for (const auto& c : dest)
    if (!contains(spec.merge_exclude_columns, c)) out.push_back(c);
  return out;
}

lake::CommitResult build_incremental(lake::Lake& lake, LakeTarget& target, mz::Session& session,
                                     const mz::ModelSpec& spec, const std::string& name,
                                     const lake::Table& table, const std::string& sql) {
  engine::Connection& con = session.connection();
  const std::string tmp = "__pond_new_" + spec.relation.identifier;
  const std::string tmp_ref = "temp.main." + quote_identifier(tmp);
  session.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(tmp) + " AS (\n" + sql + "\n)");
  DropOnExit drop(con, "DROP TABLE IF EXISTS " + tmp_ref);
  std::vector<mz::Column> given = session.columns_of_query("SELECT * FROM " + tmp_ref);
  std::vector<std::string> dest = apply_schema_change(lake, session, spec, name, table, given);
  const std::string select = "SELECT " + mz::quoted_csv(dest) + " FROM " + tmp_ref;

  mz::IncrementalStrategy strategy = spec.strategy;
  if (strategy == mz::IncrementalStrategy::kDefault)
    strategy =
        spec.unique_key.empty() ? mz::IncrementalStrategy::kAppend : mz::IncrementalStrategy::kDeleteInsert;
  if (spec.unique_key.empty() && strategy != mz::IncrementalStrategy::kMicrobatch)
    strategy = mz::IncrementalStrategy::kAppend;  // dbt: without a key every strategy only inserts

  Timer t;
  lake::CommitResult r;
  switch (strategy) {
    case mz::IncrementalStrategy::kAppend:
    case mz::IncrementalStrategy::kDefault:
      r = lake.append(con, name, select);
      note(session, fmt::format("append to {} (snapshot {})", name, r.snapshot_id), select, t.seconds());
      break;
    case mz::IncrementalStrategy::kDeleteInsert: {
      std::vector<std::string> match;
      for (const auto& k : spec.unique_key)
        match.push_back(fmt::format("s.{0} = t.{0}", quote_identifier(k)));
      std::vector<std::string> where{"EXISTS (SELECT 1 FROM " + tmp_ref + " AS s WHERE " +
                                     mz::detail::and_join(match) + ")"};
      for (const auto& p : spec.incremental_predicates) where.push_back(dest_alias(p));
      std::string predicate = mz::detail::and_join(where);
      r = lake.replace_where(con, name, predicate, select);
      note(session, fmt::format("delete+insert into {} (snapshot {})", name, r.snapshot_id),
           "DELETE WHERE " + predicate + ";\nINSERT " + select, t.seconds());
      break;
    }
    case mz::IncrementalStrategy::kMerge: {
      std::vector<std::string> updates = update_columns(spec, dest);
      std::string source = select;
      bool partial = std::any_of(dest.begin(), dest.end(), [&](const std::string& c) {
        return !contains(updates, c) && !contains(spec.unique_key, c);
      });
      if (partial) {
        // Columns outside merge_update_columns keep the lake's values on matched rows.
        mz::Relation current{target.database(), spec.relation.schema, spec.relation.identifier};
        std::string cols, on;
        for (const auto& c : dest) {
          std::string q = quote_identifier(c);
          bool keep = !contains(updates, c) && !contains(spec.unique_key, c);
          cols +=
              (cols.empty() ? "" : ", ") +
              (keep ? fmt::format("CASE WHEN d.__pond_hit THEN d.{0} ELSE s.{0} END AS {0}", q) : "s." + q);
        }
        for (const auto& k : spec.unique_key)
          on += (on.empty() ? "" : " AND ") + fmt::format("s.{0} = d.{0}", quote_identifier(k));
        source = "SELECT " + cols + " FROM " + tmp_ref +
                 " AS s LEFT JOIN (SELECT *, true AS __pond_hit FROM " + current.render() + ") AS d ON " + on;
      }
      r = lake.merge(con, name, source, spec.unique_key);
      note(session,
           fmt::format("merge into {} on {} (snapshot {})", name, mz::quoted_csv(spec.unique_key),
                       r.snapshot_id),
           source, t.seconds());
      break;
    }
    case mz::IncrementalStrategy::kMicrobatch:  // build_microbatch
      throw InternalError("microbatch model " + spec.unique_id + " reached the single-commit path");
  }
  return r;
}

}  // namespace

bool builds_in_lake(const LakeTarget& target, const mz::ModelSpec& spec) {
  switch (spec.materialized) {
    case mz::Materialized::kTable:
    case mz::Materialized::kView:
    case mz::Materialized::kIncremental:
      return target.holds(spec.relation);
    case mz::Materialized::kEphemeral:
    case mz::Materialized::kExternal:
      return false;
  }
  return false;
}

LakeBuild build_model(mz::Session& session, LakeTarget& target, const mz::ModelSpec& spec,
                      const mz::RunOptions& options) {
  LakeBuild out;
  engine::Connection& con = session.connection();
  const std::string name = LakeTarget::lake_name(spec.relation);
  pre_hooks(session, spec.pre_hooks);
  target.with_lake([&](lake::Lake& lake) {
    std::string sql = mz::strip_statement(spec.compiled_sql);
    if (sql.find("lake_scan") != std::string::npos) sql = lake::expand_lake_scans(lake, sql);
    Existing e = existing(lake, spec.relation);
    Timer t;
    lake::CommitResult r;
    if (spec.materialized == mz::Materialized::kView) {
      // A table of that name goes first (its own snapshot: the lake has no "replace table by view").
      if (e.table) lake.drop_table(name);
      if (!e.schema) lake.create_schema(spec.relation.schema, true);
      r = lake.create_view(name, sql, true);
      note(session, fmt::format("create view {} (snapshot {})", name, r.snapshot_id), sql, t.seconds());
      target.show_view(con, spec.relation, sql);
      out.snapshot = r.snapshot_id;
      return;
    }
    if (e.view) lake.drop_view(name);
    if (spec.materialized == mz::Materialized::kIncremental &&
        spec.strategy == mz::IncrementalStrategy::kMicrobatch) {
      out = build_microbatch(session, target, spec, options, lake, e.table.has_value());
      return;
    }
    bool full =
        spec.materialized == mz::Materialized::kTable || !e.table || mz::is_full_refresh(spec, options);
    if (full) {
      r = lake.create_table_as(con, name, sql, {}, true);
      note(session, fmt::format("create table {} (snapshot {})", name, r.snapshot_id), sql, t.seconds());
    } else {
      r = build_incremental(lake, target, session, spec, name, *e.table, sql);
    }
    out.result.rows_affected = static_cast<std::uint64_t>(r.rows_written);
    out.snapshot = r.snapshot_id;
    target.show_table(con, lake, spec.relation, r.snapshot_id);
  });
  session.remember(mz::Relation{target.database(), spec.relation.schema, spec.relation.identifier},
                   mz::RelationKind::kView);
  if (!out.result.partial) {
    post_hooks(session, spec.post_hooks);
    out.result.message = "OK";
  }
  return out;
}

LakeBuild load_seed(mz::Session& session, LakeTarget& target, const mz::SeedSpec& spec,
                    const mz::RunOptions& options) {
  LakeBuild out;
  engine::Connection& con = session.connection();
  const std::string name = LakeTarget::lake_name(spec.relation);
  // The CSV is read as DuckDB seeds are (types inferred as dbt does) into a scratch table.
  mz::SeedSpec scratch = spec;
  scratch.relation =
      mz::Relation{target.database(), spec.relation.schema, "__pond_seed_" + spec.relation.identifier};
  scratch.full_refresh = true;
  DropOnExit drop(con, "DROP TABLE IF EXISTS " + scratch.relation.render());
  mz::Session local(con);  // no relation cache: the scratch table is not the run's business
  out.result = mz::load_seed(local, scratch, options);
  for (auto& s : local.log()) session.log().push_back(std::move(s));
  target.with_lake([&](lake::Lake& lake) {
    Existing e = existing(lake, spec.relation);
    if (e.view) lake.drop_view(name);
    Timer t;
    std::string select = "SELECT * FROM " + scratch.relation.render();
    lake::CommitResult r = lake.create_table_as(con, name, select, {}, true);
    note(session, fmt::format("create table {} (snapshot {})", name, r.snapshot_id), select, t.seconds());
    out.snapshot = r.snapshot_id;
    target.show_table(con, lake, spec.relation, r.snapshot_id);
  });
  return out;
}

LakeBuild take_snapshot(mz::Session& session, LakeTarget& target, const mz::SnapshotSpec& spec,
                        const mz::RunOptions& options) {
  LakeBuild out;
  engine::Connection& con = session.connection();
  const std::string name = LakeTarget::lake_name(spec.relation);
  mz::Relation current{target.database(), spec.relation.schema, spec.relation.identifier};
  mz::SnapshotSpec scratch = spec;
  scratch.relation = current.with_identifier("__pond_snapshot_" + spec.relation.identifier);
  const std::string scratch_ref = scratch.relation.render();
  const std::string before = "__pond_before_" + spec.relation.identifier;
  DropOnExit drop(con, "DROP TABLE IF EXISTS " + scratch_ref);
  DropOnExit drop_before(con, "DROP TABLE IF EXISTS temp.main." + quote_identifier(before));
  mz::Session local(con);
  bool exists = false;
  target.with_lake([&](lake::Lake& lake) { exists = existing(lake, spec.relation).table.has_value(); });
  // dbt's snapshot SQL runs on a scratch copy of the current rows; what it closed and what it
  // added then become one lake commit (delete the closed versions, insert them closed plus the new rows).
  local.execute("DROP TABLE IF EXISTS " + scratch_ref);
  if (exists) {
    local.execute("CREATE SCHEMA IF NOT EXISTS " + scratch.relation.render_schema());
    local.execute("CREATE TABLE " + scratch_ref + " AS SELECT * FROM " + current.render() +
                  " WHERE dbt_valid_to IS NULL");
    local.execute("CREATE TEMP TABLE " + quote_identifier(before) + " AS SELECT dbt_scd_id FROM " +
                  scratch_ref);
  }
  out.result = mz::take_snapshot(local, scratch, options);
  for (auto& s : local.log()) session.log().push_back(std::move(s));
  target.with_lake([&](lake::Lake& lake) {
    Timer t;
    lake::CommitResult r;
    if (!exists) {
      std::string select = "SELECT * FROM " + scratch_ref;
      r = lake.create_table_as(con, name, select, {}, true);
      note(session, fmt::format("create table {} (snapshot {})", name, r.snapshot_id), select, t.seconds());
    } else {
      lake::Table table = lake.table(name);
      std::vector<std::string> present;
      for (const auto& c : table.columns) present.push_back(c.name);
      for (const auto& c : session.columns_of(scratch.relation))
        if (!contains(present, c.name))
          lake.add_column(name, lake::ColumnDef{c.name, c.type, std::nullopt, true});
      std::string closed = "SELECT dbt_scd_id FROM " + scratch_ref + " WHERE dbt_valid_to IS NOT NULL";
      std::string select =
          "SELECT * FROM " + scratch_ref +
          " WHERE dbt_valid_to IS NOT NULL OR dbt_scd_id NOT IN (SELECT dbt_scd_id FROM temp.main." +
          quote_identifier(before) + ")";
      std::int64_t changes = session.scalar_int("SELECT count(*) FROM (" + select + ")");
      if (changes == 0) {
        out.result.rows_affected = 0;
        return;  // nothing changed: no snapshot
      }
      std::string predicate = "dbt_valid_to IS NULL AND dbt_scd_id IN (" + closed + ")";
      r = lake.replace_where(con, name, predicate, select);
      note(session, fmt::format("snapshot into {} (snapshot {})", name, r.snapshot_id),
           "DELETE WHERE " + predicate + ";\nINSERT " + select, t.seconds());
    }
    out.snapshot = r.snapshot_id;
    target.show_table(con, lake, spec.relation, r.snapshot_id);
  });
  return out;
}

}  // namespace pond::lake_target
