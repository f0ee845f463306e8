// Writes of several tables in one commit, with schema evolution: what ingestion needs so that
// a load's rows and the state saying they were loaded are one snapshot. Files are written
// before the catalog transaction (as for every lake write); a failure before the commit
// leaves the lake as it was and removes what was written.
#include <fmt/format.h>

#include <map>

#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "lake/catalog_ops.hpp"
#include "lake/lake.hpp"
#include "lake/lake_internal.hpp"
#include "lake/sql_text.hpp"
#include "lake/types.hpp"

namespace pond::lake {

namespace {

std::string dq(const std::string& n) {
  return "\"" + n + "\"";
}

// One write, planned: the table as it will be after the commit, and what changes.
struct PlannedWrite {
  const TableWrite* write = nullptr;
  std::string schema;
  std::string name;
  bool schema_exists = false;
  std::optional<Table> existing;  // at the base snapshot
  Table table;                    // after evolution (new: ids from 1)
  std::vector<Column> added;      // new columns of an existing table
  std::vector<Column> widened;    // existing columns with their wider type
  std::vector<PlannedDelete> deletes;
  std::vector<WrittenFile> files;
};

// The table after the query's columns are taken in: added columns and widened types.
void evolve(PlannedWrite& p, const std::vector<std::pair<std::string, std::string>>& given,
            std::int64_t next_id) {
  Table& t = p.table;
  std::int64_t order = 0;
  for (const auto& c : t.columns) order = std::max(order, c.order);
  for (const auto& [name, duck_type] : given) {
    Column incoming = column_from_duckdb_type(name, duck_type);
    Column* have = nullptr;
    for (auto& c : t.columns)
      if (c.name == name) have = &c;
    if (!have) {
      assign_column_ids(incoming, next_id);
      incoming.order = ++order;
      std::int64_t child_order = 1;
      for (auto& ch : incoming.children) ch.order = child_order++;
      t.columns.push_back(incoming);
      p.added.push_back(incoming);
      continue;
    }
    const TypeChange change = type_change(*have, duck_type);
    if (change == TypeChange::kFits) continue;
    if (change == TypeChange::kWidens) {
      have->type = incoming.type;
      p.widened.push_back(*have);
      continue;
    }
    throw UserError(fmt::format("column '{}' of {}.{} is {} but the new rows have {}: pond widens column "
                                "types but never narrows them or casts with loss",
                                name, p.schema, p.name, duckdb_type_of(*have), duck_type),
                    "cast the column in the source (for ingestion: 'columns: {" + name +
                        ": TYPE}'), or "
                        "write to a new table",
                    ExitCode::kStepFailed);
  }
}

}  // namespace

std::vector<CommitResult> Lake::write_tables(engine::Connection& con, const std::vector<TableWrite>& writes) {
  refuse_if_encrypted("write_tables");
  Snapshot base = latest_snapshot();
  CatalogReader r = reader();
  std::vector<PlannedWrite> plans;
  CommitIntent intent;
  WrittenGuard guard(*files_);
  std::vector<std::unique_ptr<TempTable>> sources;
  for (const TableWrite& w : writes) {
    PlannedWrite p;
    p.write = &w;
    std::tie(p.schema, p.name) = split_name(w.table);
    for (const auto& other : plans)
      if (other.schema == p.schema && other.name == p.name)
        throw InternalError("write_tables: table " + w.table + " written twice in one commit");
    std::optional<Schema> schema = r.find_schema(base.id, p.schema);
    p.schema_exists = schema.has_value();
    p.existing = r.find_table(base.id, p.schema, p.name);
    std::vector<std::int64_t> rows_before;
    for (const auto& earlier : plans) {
      std::int64_t n = 0;
      for (const auto& f : earlier.files) n += f.record_count;
      rows_before.push_back(n);
    }
    std::string select = strip_statement(w.select_after ? w.select_after(rows_before) : w.select_sql);
    // Merge sources are read once: the same rows decide the deletes and are written.
    if (w.mode == TableWrite::Mode::kMerge) {
      if (w.key_columns.empty()) throw InternalError("write_tables: merge into " + w.table + " without keys");
      try {
        sources.push_back(std::make_unique<TempTable>(con, "SELECT * FROM (" + select + ") AS s"));
      } catch (const engine::EngineError& e) {
        throw UserError(fmt::format("reading the rows for {}: {}", w.table, e.what()), ExitCode::kStepFailed);
      }
      select = "SELECT * FROM " + sources.back()->name();
    }
    std::vector<std::pair<std::string, std::string>> given;
    try {
      engine::PreparedStatement probe = con.prepare("SELECT * FROM (" + select + ") AS pond_src LIMIT 0");
      for (std::size_t i = 0; i < probe.column_count(); ++i)
        given.emplace_back(probe.column_name(i), probe.column_type(i).name);
    } catch (const engine::EngineError& e) {
      throw UserError(fmt::format("reading the rows for {}: {}", w.table, e.what()), ExitCode::kStepFailed);
    }
    if (p.existing) {
      p.table = *p.existing;
      evolve(p, given, r.max_column_id(p.existing->id) + 1);
    } else {
      std::vector<ColumnDef> defs;
      for (const auto& [n, t] : given) defs.push_back({n, t, std::nullopt, true});
      p.table.schema_name = p.schema;
      p.table.name = p.name;
      p.table.columns = columns_from_defs(defs);
    }
    for (const auto& k : w.key_columns)
      if (!p.table.find_column(k))
        throw UserError(fmt::format("the key column '{}' is not a column of {}", k, w.table),
                        "primary_key names columns of the rows", ExitCode::kStepFailed);
    std::string dir = p.existing ? table_directory(data_root_, p.table)
                                 : table_dir_for_new(data_root_, schema, p.schema, p.name);
    try {
      if (p.existing && w.mode == TableWrite::Mode::kMerge) {
        std::string match;
        for (const auto& k : w.key_columns)
          match += (match.empty() ? "" : " AND ") + fmt::format("s.{0} = t.{0}", quote_identifier(k));
        p.deletes = plan_deletes(con, r, data_root_, path_resolver(), *files_, *p.existing, base.id,
                                 "EXISTS (" + select + " AS s WHERE " + match + ")");
        guard.add(delete_files_of(p.deletes));
      }
      if (p.existing && w.mode == TableWrite::Mode::kAppend && !w.delete_where.empty()) {
        p.deletes =
            plan_deletes(con, r, data_root_, path_resolver(), *files_, *p.existing, base.id, w.delete_where);
        guard.add(delete_files_of(p.deletes));
      }
      p.files = write_data_files(con, select, p.table, dir, *files_);
      guard.add(p.files);
    } catch (const engine::EngineError& e) {
      throw UserError(fmt::format("writing lake table {}: {}", w.table, e.what()), ExitCode::kStepFailed);
    }
    if (!p.existing) {
      intent.created_names.insert("created_table:" + dq(p.schema) + "." + dq(p.name));
      if (!schema) intent.created_names.insert("created_schema:" + dq(p.schema));
      if (schema) intent.schemas_used.insert(schema->id);
    } else {
      intent.inserts.insert(p.existing->id);
      if (!p.deletes.empty() || w.mode == TableWrite::Mode::kReplace) intent.deletes.insert(p.existing->id);
      if (!p.added.empty() || !p.widened.empty()) intent.alters.insert(p.existing->id);
    }
    plans.push_back(std::move(p));
  }

  std::vector<CommitResult> results(plans.size());
  std::int64_t snapshot = commit(base.id, intent, [&](CommitContext& ctx) {
    std::int64_t prev = ctx.snapshot_id - 1;
    std::map<std::string, Schema> created;  // schemas created by this commit
    for (std::size_t i = 0; i < plans.size(); ++i) {
      PlannedWrite& p = plans[i];
      CommitResult& res = results[i];
      res = CommitResult{};
      res.files_written = static_cast<std::int64_t>(p.files.size());
      Table t = p.table;
      if (!p.existing) {
        std::optional<Schema> s = ctx.reader.find_schema(prev, p.schema);
        if (!s) {
          auto it = created.find(p.schema);
          if (it == created.end()) it = created.emplace(p.schema, insert_schema(ctx, p.schema)).first;
          s = it->second;
        }
        t.schema_id = s->id;
        insert_table(ctx, t);
      } else {
        for (const auto& c : p.widened) {
          end_column(ctx, t.id, c.id);
          insert_columns(ctx, t.id, {c});
        }
        if (!p.added.empty()) insert_columns(ctx, t.id, p.added);
        if (!p.added.empty() || !p.widened.empty()) table_altered(ctx, t.id);
        if (p.write->mode == TableWrite::Mode::kReplace) {
          std::map<std::int64_t, std::int64_t> deleted;
          for (const auto& d : ctx.reader.delete_files(t.id, prev)) deleted[d.data_file_id] = d.delete_count;
          std::int64_t live = 0;
          for (const auto& f : ctx.reader.data_files(t.id, prev)) {
            end_data_file(ctx, t, f);
            live += f.record_count - deleted[f.id];
            ctx.change("deleted_from_table:" + std::to_string(t.id));
          }
          if (live) adjust_record_count(ctx, t.id, -live);
          res.rows_deleted = live;
        } else {
          apply_deletes(ctx, t, p.deletes);
          for (const auto& d : p.deletes) res.rows_deleted += d.count;
        }
      }
      res.rows_written = add_data_files(ctx, t, p.files);
    }
  });
  guard.committed();
  for (auto& res : results) res.snapshot_id = snapshot;
  return results;
}

}  // namespace pond::lake
