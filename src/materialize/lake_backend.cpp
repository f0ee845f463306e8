#include "materialize/lake_backend.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "lake/time_travel.hpp"
#include "lake/types.hpp"
#include "materialize/session.hpp"

namespace pond::materialize {

namespace {

// Records a lake operation in the session's log, so target/run/ shows what ran.
class Noted {
 public:
  Noted(Session& session, std::string what, std::string sql = {})
      : session_(session), what_(std::move(what)), sql_(std::move(sql)) {}
  Noted(const Noted&) = delete;
  Noted& operator=(const Noted&) = delete;
  // A write that failed is logged too: its SQL goes into target/run/, where the error's
  // "compiled code at" pointer (with DuckDB's line mapped into that file) leads.
  ~Noted() {
    if (done_ || std::uncaught_exceptions() <= exceptions_) return;
    try {
      session_.note(fmt::format("-- lake: {} (failed)", what_) + (sql_.empty() ? "" : "\n" + sql_),
                    seconds());
    } catch (...) {  // the write's own error is what matters
    }
  }
  void done(std::int64_t snapshot) {
    done_ = true;
    session_.note(
        fmt::format("-- lake: {} (snapshot {})", what_, snapshot) + (sql_.empty() ? "" : "\n" + sql_),
        seconds());
  }

 private:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  Session& session_;
  std::string what_;
  std::string sql_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  int exceptions_ = std::uncaught_exceptions();
  bool done_ = false;
};

// SQL the lake runs must not name lake_scan() of a relation the lake has to expand first.
std::string expanded(lake::Lake& lake, const std::string& sql) {
  std::string out = strip_statement(sql);
  if (out.find("lake_scan") != std::string::npos) out = lake::expand_lake_scans(lake, out);
  return out;
}

// The delete scan of the lake names the target `t`; the materializations name it DBT_INTERNAL_DEST.
std::string lake_alias(std::string predicate) {
  const std::string from = "DBT_INTERNAL_DEST.";
  for (auto at = predicate.find(from); at != std::string::npos; at = predicate.find(from, at))
    predicate.replace(at, from.size(), "t.");
  return predicate;
}

std::string select_columns(const std::string& source, const std::vector<std::string>& columns) {
  return "SELECT " + quoted_csv(columns) + " FROM " + source;
}

// The commit_extra_info of a write: the session's origin, marked partial for writes that are
// not the step's whole work (schema changes, a table dropped before a view replaces it, batches).
std::optional<std::string> commit_info(const Session& s, bool partial) {
  if (s.commit_info().empty()) return std::nullopt;
  std::string info = s.commit_info();
  if ((partial || s.partial_commits()) && info.size() >= 2 && info.back() == '}')
    info.insert(info.size() - 1, info.size() > 2 ? ",\"partial\":true" : "\"partial\":true");
  return info;
}

// A model's `partition_by` (columns and year/month/day/hour(column)) as the lake table's
// partition keys, as dbt-duckdb writes them to a DuckLake table.
std::vector<lake::PartitionKey> partition_keys(const std::vector<std::string>& partition_by) {
  std::vector<lake::PartitionKey> keys;
  for (const auto& p : partition_by) {
    auto open = p.find('(');
    if (open == std::string::npos || p.back() != ')') {
      keys.push_back({p, "identity"});
      continue;
    }
    keys.push_back({p.substr(open + 1, p.size() - open - 2), to_lower(p.substr(0, open))});
  }
  return keys;
}

// Who writes, for a writer waiting for the same table: the run and step, or this process.
std::string holder(const Session& s) {
  return s.commit_info().empty() ? std::string("a pond command") : "pond " + s.commit_info();
}

Write written(const lake::CommitResult& r) {
  return Write{static_cast<std::uint64_t>(r.rows_written), r.snapshot_id};
}

}  // namespace

RelationKind LakeBackend::kind_of(Session&, const Relation& rel) {
  auto kind = target_.kind(rel.schema.empty() ? "main" : rel.schema, rel.identifier);
  if (!kind) return RelationKind::kNone;
  return *kind == LakeKind::kTable ? RelationKind::kTable : RelationKind::kView;
}

std::vector<Column> LakeBackend::columns_of(Session& s, const Relation& rel) {
  // The run's DuckDB shows the lake relation as a view with the lake's column types.
  return s.columns_of(Relation{target_.database(), rel.schema, rel.identifier});
}

void LakeBackend::ensure_schema(Session&, const Relation&) {
  // Writes create the lake schema in their own commit; the DuckDB view's schema comes with it.
}

Write LakeBackend::create_view(Session& s, const Relation& rel, const std::string& sql) {
  const std::string name = LakeTarget::lake_name(rel);
  Write w;
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, false));
    std::string body = expanded(lake, sql);
    // A Delta source (delta_scan('PATH')) is a view of the run only (dbt/run_session.cpp): a lake
    // view reading it would fail for every later reader.
    if (body.find("pond_delta.") != std::string::npos)
      throw UserError(
          "view " + name + " reads a Delta source (delta_scan), which exists only while a run reads it",
          "materialize the model as a table or incremental: {{ config(materialized='table') }}",
          ExitCode::kStepFailed);
    // A table of that name goes first (its own snapshot: the lake has no "replace table by view").
    if (kind_of(s, rel) == RelationKind::kTable) {
      lake.set_commit_info(commit_info(s, true));
      Noted n(s, "drop table " + name);
      n.done(lake.drop_table(name).snapshot_id);
      lake.set_commit_info(commit_info(s, false));
    }
    lake::CatalogReader r = lake.reader();
    if (!r.find_schema(r.latest_snapshot().id, rel.schema.empty() ? "main" : rel.schema)) {
      lake.set_commit_info(commit_info(s, true));
      lake.create_schema(rel.schema, true);
      lake.set_commit_info(commit_info(s, false));
    }
    // Shown in the run's DuckDB first: that binds the SQL, so a view that cannot work is never
    // committed to the lake (where it would break every later open).
    target_.show_view(s.connection(), rel, body);
    Noted n(s, "create view " + name, body);
    lake::CommitResult c = lake.create_view(name, body, true);
    n.done(c.snapshot_id);
    w.snapshot = c.snapshot_id;
  });
  s.remember(Relation{target_.database(), rel.schema, rel.identifier}, RelationKind::kView);
  return w;
}

Write LakeBackend::replace_table(Session& s, const Relation& rel, const std::string& select,
                                 const std::vector<std::string>& partition_by) {
  const std::string name = LakeTarget::lake_name(rel);
  Write w;
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, false));
    std::string body = expanded(lake, select);
    if (kind_of(s, rel) == RelationKind::kView) {
      lake.set_commit_info(commit_info(s, true));
      Noted n(s, "drop view " + name);
      n.done(lake.drop_view(name).snapshot_id);
      lake.set_commit_info(commit_info(s, false));
    }
    Noted n(s, "create table " + name, body);
    lake::CommitResult c =
        lake.create_table_as(s.connection(), name, body, partition_keys(partition_by), true);
    n.done(c.snapshot_id);
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
    w = written(c);
  });
  s.remember(Relation{target_.database(), rel.schema, rel.identifier}, RelationKind::kView);
  return w;
}

Write LakeBackend::overwrite(Session& s, const Relation& rel, const std::string& select) {
  const std::string name = LakeTarget::lake_name(rel);
  Write w;
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, false));
    std::string body = expanded(lake, select);
    Noted n(s, "overwrite " + name, body);
    lake::CommitResult c = lake.overwrite(s.connection(), name, body);
    n.done(c.snapshot_id);
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
    w = written(c);
  });
  return w;
}

Write LakeBackend::append(Session& s, const Relation& rel, const std::string& source,
                          const std::vector<std::string>& columns) {
  const std::string name = LakeTarget::lake_name(rel);
  Write w;
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, false));
    std::string select = select_columns(source, columns);
    Noted n(s, "append to " + name, select);
    lake::CommitResult c = lake.append(s.connection(), name, select);
    n.done(c.snapshot_id);
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
    w = written(c);
  });
  return w;
}

Write LakeBackend::delete_insert(Session& s, const Relation& rel, const std::string& predicate,
                                 const std::string& source, const std::vector<std::string>& columns) {
  const std::string name = LakeTarget::lake_name(rel);
  Write w;
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, false));
    std::string where = lake_alias(predicate);
    std::string select = select_columns(source, columns);
    Noted n(s, "delete+insert into " + name, "DELETE WHERE " + where + ";\nINSERT " + select);
    lake::CommitResult c = lake.replace_where(s.connection(), name, where, select);
    n.done(c.snapshot_id);
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
    w = written(c);
  });
  return w;
}

Write LakeBackend::merge(Session& s, const Relation& rel, const MergeSpec& m) {
  const std::string name = LakeTarget::lake_name(rel);
  if (!m.predicates.empty())
    throw UserError(
        "incremental_predicates are not supported with the merge strategy on a lake target (" + name + ")",
        "use incremental_strategy='delete+insert', which applies them, or remove them",
        ExitCode::kStepFailed);
  auto contains = [](const std::vector<std::string>& v, const std::string& x) {
    for (const auto& e : v)
      if (iequals(e, x)) return true;
    return false;
  };
  std::string source = select_columns(m.source, m.columns);
  bool partial = false;
  for (const auto& c : m.columns)
    partial = partial || (!contains(m.update_columns, c) && !contains(m.keys, c));
  if (partial) {
    // Columns outside the update columns keep the lake's values on matched rows.
    Relation current{target_.database(), rel.schema, rel.identifier};
    std::string cols, on;
    for (const auto& c : m.columns) {
      std::string q = quote_identifier(c);
      bool keep = !contains(m.update_columns, c) && !contains(m.keys, c);
      cols += (cols.empty() ? "" : ", ") +
              (keep ? fmt::format("CASE WHEN d.__pond_hit THEN d.{0} ELSE s.{0} END AS {0}", q) : "s." + q);
    }
    for (const auto& k : m.keys)
      on += (on.empty() ? "" : " AND ") + fmt::format("s.{0} = d.{0}", quote_identifier(k));
    source = "SELECT " + cols + " FROM " + m.source + " AS s LEFT JOIN (SELECT *, true AS __pond_hit FROM " +
             current.render() + ") AS d ON " + on;
  }
  Write w;
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, false));
    Noted n(s, "merge into " + name + " on " + quoted_csv(m.keys), source);
    lake::CommitResult c = lake.merge(s.connection(), name, source, m.keys);
    n.done(c.snapshot_id);
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
    w = written(c);
  });
  return w;
}

void LakeBackend::add_column(Session& s, const Relation& rel, const Column& column) {
  const std::string name = LakeTarget::lake_name(rel);
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, true));
    Noted n(s, "add column " + column.name + " " + column.type + " to " + name);
    lake::CommitResult c =
        lake.add_column(name, lake::ColumnDef{column.name, column.type, std::nullopt, true});
    n.done(c.snapshot_id);
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
  });
}

void LakeBackend::drop_column(Session& s, const Relation& rel, const std::string& column) {
  const std::string name = LakeTarget::lake_name(rel);
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, true));
    Noted n(s, "drop column " + column + " of " + name);
    lake::CommitResult c = lake.drop_column(name, column);
    n.done(c.snapshot_id);
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
  });
}

void LakeBackend::alter_column_type(Session& s, const Relation& rel, const Column& column) {
  const std::string name = LakeTarget::lake_name(rel);
  target_.with_table(name, holder(s), [&](lake::Lake& lake) {
    lake.set_commit_info(commit_info(s, true));
    lake::Table t = lake.table(name);
    std::string new_type = lake::column_from_duckdb_type(column.name, column.type).type;
    bool widening = false;
    for (const auto& c : t.columns)
      if (iequals(c.name, column.name))
        widening = c.children.empty() && lake::is_type_widening(c.type, new_type);
    lake::CommitResult c;
    if (widening) {
      // The files keep their type; readers cast (DuckLake's type promotion).
      Noted n(s, "alter column " + column.name + " of " + name + " to " + column.type);
      c = lake.alter_column_type(name, column.name, column.type);
      n.done(c.snapshot_id);
    } else {
      // Any other change rewrites the table with the column cast, as DuckDB's ALTER COLUMN TYPE
      // does; the lake sees a new table of that name (its history before the change stays
      // readable by time travel to earlier snapshots).
      Relation current{target_.database(), rel.schema, rel.identifier};
      std::string select = "SELECT * REPLACE (CAST(" + quote_identifier(column.name) + " AS " + column.type +
                           ") AS " + quote_identifier(column.name) + ") FROM " + current.render();
      Noted n(s, "rewrite " + name + " with column " + column.name + " as " + column.type, select);
      c = lake.create_table_as(s.connection(), name, select, {}, true);
      n.done(c.snapshot_id);
    }
    target_.show_table(s.connection(), lake, rel, c.snapshot_id);
  });
}

void LakeBackend::comment(Session&, const Relation& rel, bool, const std::string& column,
                          const std::string&) {
  log::warn("persist_docs: {}{} keeps its description in manifest.json only; lake relations have no comments",
            LakeTarget::lake_name(rel), column.empty() ? "" : "." + column);
}

}  // namespace pond::materialize
