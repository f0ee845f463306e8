// Lake data writes: CTAS, append, overwrite, delete, update, merge. Files are written
// before the catalog transaction; the commit only records them, so a retry after a lost
// race never rewrites data.
#include <fmt/format.h>

#include <filesystem>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "lake/catalog_ops.hpp"
#include "lake/file_scan.hpp"
#include "lake/lake.hpp"
#include "lake/lake_internal.hpp"
#include "lake/sql_text.hpp"
#include "lake/writer.hpp"

namespace pond::lake {

WrittenGuard::~WrittenGuard() {
  for (const auto& f : written_) {
    try {
      files_.remove(f.full_path);
    } catch (const std::exception&) {  // the failed write's own error is the one to report
    }
  }
}

namespace {

std::string dq(const std::string& n) {
  return "\"" + n + "\"";
}

}  // namespace

TempTable::TempTable(engine::Connection& con, const std::string& select_sql)
    : con_(con), name_("__pond_lake_" + random_uuid().substr(0, 8)) {
  con_.execute("CREATE TEMP TABLE " + name_ + " AS " + select_sql);
}

TempTable::~TempTable() {
  try {
    con_.execute("DROP TABLE IF EXISTS temp." + name_);
  } catch (...) {  // cleanup only
  }
}

std::vector<PlannedDelete> plan_deletes(engine::Connection& con, CatalogReader& reader,
                                        const std::string& data_root, const PathResolver& resolve,
                                        storage::FileSystem& fs, const Table& t, std::int64_t snapshot,
                                        const std::string& where) {
  ScanOptions opts;
  opts.with_positions = true;
  ScanPlan plan = ScanBuilder(reader, data_root, resolve, &fs).build(t, snapshot, opts);
  TempTable hits(
      con, "SELECT __pond_file_id AS fid, __pond_pos AS pos FROM (" + plan.sql + ") AS t WHERE " + where);
  std::vector<std::pair<std::optional<std::int64_t>, std::int64_t>> per_file;
  {
    engine::Result r = con.query("SELECT fid, count(*) FROM " + hits.name() + " GROUP BY fid ORDER BY fid");
    while (auto chunk = r.next_chunk())
      for (std::size_t i = 0; i < chunk->size(); ++i)
        per_file.emplace_back(chunk->get_optional<std::int64_t>(0, i), chunk->get<std::int64_t>(1, i));
  }
  std::map<std::int64_t, DataFile> files;
  for (auto& f : reader.data_files(t.id, snapshot)) files[f.id] = f;
  std::map<std::int64_t, DeleteFile> deletes;
  for (auto& d : reader.delete_files(t.id, snapshot)) deletes[d.data_file_id] = d;
  std::vector<PlannedDelete> out;
  std::string table_dir = table_directory(data_root, t);
  for (const auto& [fid, count] : per_file) {
    if (!fid) {
      // Inlined rows are closed in their inlined data table (as the extension does).
      PlannedDelete p;
      p.count = count;
      engine::Result rows = con.query("SELECT pos FROM " + hits.name() + " WHERE fid IS NULL");
      while (auto chunk = rows.next_chunk())
        for (std::size_t i = 0; i < chunk->size(); ++i)
          p.inlined_rows.push_back(chunk->get<std::int64_t>(0, i));
      out.push_back(std::move(p));
      continue;
    }
    PlannedDelete p;
    p.file = files.at(*fid);
    p.count = count;
    std::string positions = fmt::format("SELECT pos FROM {} WHERE fid = {}", hits.name(), *fid);
    std::int64_t already = 0;
    auto d = deletes.find(*fid);
    if (d != deletes.end()) {
      p.old_delete_file = d->second.id;
      already = d->second.delete_count;
      positions +=
          " UNION " +
          deleted_positions_sql(
              d->second, fs.local_copy(delete_file_location(data_root, t, d->second, resolve)), snapshot);
    }
    if (already + count >= p.file.record_count) {
      p.whole_file = true;
    } else {
      p.delete_file =
          write_delete_file(con, positions, data_file_location(data_root, t, p.file, resolve), table_dir, fs);
    }
    out.push_back(std::move(p));
  }
  return out;
}

void apply_deletes(CommitContext& ctx, const Table& t, const std::vector<PlannedDelete>& planned) {
  std::int64_t removed = 0;
  for (const auto& p : planned) {
    if (!p.inlined_rows.empty()) {
      std::string ids;
      for (auto id : p.inlined_rows) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
      for (const auto& inl : ctx.reader.inlined_tables(t.id)) {
        if (!ctx.db.table_exists(inl.table_name)) continue;
        ctx.db.execute("UPDATE " + quote_identifier(inl.table_name) +
                           " SET end_snapshot = ? WHERE end_snapshot IS NULL AND row_id IN (" + ids + ")",
                       {ctx.snapshot_id});
      }
      ctx.change("deleted_from_table:" + std::to_string(t.id));
    } else if (p.whole_file) {
      end_data_file(ctx, t, p.file);
      ctx.change("deleted_from_table:" + std::to_string(t.id));
    } else {
      if (p.old_delete_file) end_delete_file(ctx, *p.old_delete_file);
      add_delete_file(ctx, t, p.file.id, *p.delete_file);
    }
    removed += p.count;
  }
  if (removed) adjust_record_count(ctx, t.id, -removed);
}

std::vector<WrittenFile> delete_files_of(const std::vector<PlannedDelete>& planned) {
  std::vector<WrittenFile> out;
  for (const auto& p : planned)
    if (p.delete_file) out.push_back(*p.delete_file);
  return out;
}

std::string table_dir_for_new(const std::string& data_root, const std::optional<Schema>& schema,
                              const std::string& schema_name, const std::string& table_name) {
  std::string schema_path = schema ? schema->path : schema_name + "/";
  Table probe;
  probe.schema_path = schema_path;
  probe.schema_path_is_relative = schema ? schema->path_is_relative : true;
  probe.path = table_name + "/";
  return table_directory(data_root, probe);
}

namespace {

std::string user_error_context(const std::string& what, const Table& t, std::int64_t snapshot,
                               const std::string& message) {
  return fmt::format("{} table {} (at snapshot {}): {}", what, t.qualified_name(), snapshot, message);
}

}  // namespace

CommitResult Lake::create_table_as(engine::Connection& con, const std::string& name,
                                   const std::string& select_sql, const std::vector<PartitionKey>& partition,
                                   bool replace) {
  refuse_if_encrypted("create_table_as");
  auto [schema, table_name] = split_name(name);
  Snapshot base = latest_snapshot();
  CatalogReader r = reader();
  std::optional<Schema> existing_schema = r.find_schema(base.id, schema);
  std::optional<Table> existing = r.find_table(base.id, schema, table_name);
  if (existing && !replace) throw UserError("the lake already has a table " + schema + "." + table_name);

  std::vector<ColumnDef> defs;
  try {
    engine::PreparedStatement probe =
        con.prepare("SELECT * FROM (" + strip_statement(select_sql) + ") AS pond_src LIMIT 0");
    for (std::size_t i = 0; i < probe.column_count(); ++i)
      defs.push_back({probe.column_name(i), probe.column_type(i).name, std::nullopt, true});
  } catch (const engine::EngineError& e) {
    throw UserError(fmt::format("the query for lake table {}.{} fails: {}", schema, table_name, e.what()),
                    ExitCode::kStepFailed);
  }
  Table t;
  t.schema_name = schema;
  t.name = table_name;
  t.columns = columns_from_defs(defs);
  if (!partition.empty()) {
    PartitionSpec spec;
    for (std::size_t i = 0; i < partition.size(); ++i) {
      const Column* c = t.find_column(partition[i].column);
      if (!c)
        throw UserError("cannot partition " + name + " by '" + partition[i].column + "': no such column");
      spec.fields.push_back({static_cast<std::int64_t>(i), c->id, partition[i].transform});
    }
    t.partition = spec;
  }
  std::string dir = table_dir_for_new(data_root_, existing_schema, schema, table_name);
  WrittenGuard guard(*files_);
  std::vector<WrittenFile> files;
  try {
    files = write_data_files(con, select_sql, t, dir, *files_);
  } catch (const engine::EngineError& e) {
    throw UserError(fmt::format("writing lake table {}.{} failed: {}", schema, table_name, e.what()),
                    ExitCode::kStepFailed);
  }
  guard.add(files);
  CommitIntent intent;
  intent.created_names.insert("created_table:" + dq(schema) + "." + dq(table_name));
  if (existing) intent.drops.insert(existing->id);
  if (existing_schema) intent.schemas_used.insert(existing_schema->id);
  CommitResult result;
  result.files_written = static_cast<std::int64_t>(files.size());
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    std::int64_t prev = ctx.snapshot_id - 1;
    auto s = ctx.reader.find_schema(prev, schema);
    if (!s) s = insert_schema(ctx, schema);
    if (auto old = ctx.reader.find_table(prev, schema, table_name)) {
      if (!replace) throw UserError("the lake already has a table " + schema + "." + table_name);
      end_table(ctx, *old);
    }
    Table nt = t;
    nt.schema_id = s->id;
    insert_table(ctx, nt);
    result.rows_written = add_data_files(ctx, nt, files);
  });
  guard.committed();
  return result;
}

CommitResult Lake::append(engine::Connection& con, const std::string& name, const std::string& select_sql) {
  refuse_if_encrypted("append");
  Snapshot base = latest_snapshot();
  Table t = table(name, SnapshotRef{base.id, std::nullopt});
  WrittenGuard guard(*files_);
  std::vector<WrittenFile> files;
  try {
    files = write_data_files(con, select_sql, t, table_directory(data_root_, t), *files_);
  } catch (const engine::EngineError& e) {
    throw UserError(user_error_context("appending to", t, base.id, e.what()), ExitCode::kStepFailed);
  }
  guard.add(files);
  CommitIntent intent;
  intent.inserts.insert(t.id);
  CommitResult result;
  result.files_written = static_cast<std::int64_t>(files.size());
  result.snapshot_id = commit(
      base.id, intent, [&](CommitContext& ctx) { result.rows_written = add_data_files(ctx, t, files); });
  guard.committed();
  return result;
}

CommitResult Lake::overwrite(engine::Connection& con, const std::string& name,
                             const std::string& select_sql) {
  refuse_if_encrypted("overwrite");
  Snapshot base = latest_snapshot();
  Table t = table(name, SnapshotRef{base.id, std::nullopt});
  WrittenGuard guard(*files_);
  std::vector<WrittenFile> files;
  try {
    files = write_data_files(con, select_sql, t, table_directory(data_root_, t), *files_);
  } catch (const engine::EngineError& e) {
    throw UserError(user_error_context("overwriting", t, base.id, e.what()), ExitCode::kStepFailed);
  }
  guard.add(files);
  CommitIntent intent;
  intent.inserts.insert(t.id);
  intent.deletes.insert(t.id);
  CommitResult result;
  result.files_written = static_cast<std::int64_t>(files.size());
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    std::int64_t prev = ctx.snapshot_id - 1;
    std::map<std::int64_t, std::int64_t> deleted;
    for (const auto& d : ctx.reader.delete_files(t.id, prev)) deleted[d.data_file_id] = d.delete_count;
    std::int64_t live = 0;
    for (const auto& f : ctx.reader.data_files(t.id, prev)) {
      end_data_file(ctx, t, f);
      live += f.record_count - deleted[f.id];
      ctx.change("deleted_from_table:" + std::to_string(t.id));
    }
    if (live) adjust_record_count(ctx, t.id, -live);
    result.rows_deleted = live;
    result.rows_written = add_data_files(ctx, t, files);
  });
  guard.committed();
  return result;
}

CommitResult Lake::delete_where(engine::Connection& con, const std::string& name,
                                const std::string& predicate) {
  refuse_if_encrypted("delete_where");
  Snapshot base = latest_snapshot();
  Table t = table(name, SnapshotRef{base.id, std::nullopt});
  CatalogReader r = reader();
  std::vector<PlannedDelete> planned;
  try {
    planned = plan_deletes(con, r, data_root_, path_resolver(), *files_, t, base.id, predicate);
  } catch (const engine::EngineError& e) {
    throw UserError(user_error_context("deleting from", t, base.id, e.what()), ExitCode::kStepFailed);
  }
  WrittenGuard guard(*files_);
  guard.add(delete_files_of(planned));
  CommitResult result;
  if (planned.empty()) {
    result.snapshot_id = base.id;
    return result;
  }
  CommitIntent intent;
  intent.deletes.insert(t.id);
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) { apply_deletes(ctx, t, planned); });
  for (const auto& p : planned) result.rows_deleted += p.count;
  guard.committed();
  return result;
}

namespace {

// "a = 1, b = b * 2" -> {"a", "1"}, {"b", "b * 2"} (top-level commas, first '=').
std::vector<std::pair<std::string, std::string>> split_assignments(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  int depth = 0;
  bool quoted_text = false;
  std::string cur;
  auto flush = [&] {
    auto eq = cur.find('=');
    if (eq == std::string::npos) throw UserError("update assignment '" + cur + "' has no '='");
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\n"));
      s.erase(s.find_last_not_of(" \t\n") + 1);
      if (s.size() > 1 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
      return s;
    };
    out.emplace_back(trim(cur.substr(0, eq)), cur.substr(eq + 1));
    cur.clear();
  };
  for (char c : text) {
    if (c == '\'') quoted_text = !quoted_text;
    if (!quoted_text && c == '(') ++depth;
    if (!quoted_text && c == ')') --depth;
    if (!quoted_text && depth == 0 && c == ',') {
      flush();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) flush();
  return out;
}

}  // namespace

CommitResult Lake::update(engine::Connection& con, const std::string& name, const std::string& assignments,
                          const std::string& predicate) {
  refuse_if_encrypted("update");
  Snapshot base = latest_snapshot();
  Table t = table(name, SnapshotRef{base.id, std::nullopt});
  std::string replace;
  for (const auto& [column, expr] : split_assignments(assignments)) {
    if (!t.find_column(column))
      throw UserError(fmt::format("table {} has no column '{}' to update", t.qualified_name(), column));
    replace += (replace.empty() ? "" : ", ") + fmt::format("({}) AS {}", expr, quote_identifier(column));
  }
  CatalogReader r = reader();
  WrittenGuard guard(*files_);
  std::vector<PlannedDelete> planned;
  std::vector<WrittenFile> files;
  try {
    ScanPlan plan = ScanBuilder(r, data_root_, path_resolver(), files_.get()).build(t, base.id);
    // The new versions of the rows are computed from the pinned snapshot, before any delete.
    TempTable updated(con,
                      "SELECT * REPLACE (" + replace + ") FROM (" + plan.sql + ") AS t WHERE " + predicate);
    files =
        write_data_files(con, "SELECT * FROM " + updated.name(), t, table_directory(data_root_, t), *files_);
    guard.add(files);
    planned = plan_deletes(con, r, data_root_, path_resolver(), *files_, t, base.id, predicate);
    guard.add(delete_files_of(planned));
  } catch (const engine::EngineError& e) {
    throw UserError(user_error_context("updating", t, base.id, e.what()), ExitCode::kStepFailed);
  }
  CommitResult result;
  if (planned.empty()) {
    result.snapshot_id = base.id;
    return result;
  }
  CommitIntent intent;
  intent.deletes.insert(t.id);
  intent.inserts.insert(t.id);
  result.files_written = static_cast<std::int64_t>(files.size());
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    apply_deletes(ctx, t, planned);
    result.rows_written = add_data_files(ctx, t, files);
  });
  for (const auto& p : planned) result.rows_deleted += p.count;
  guard.committed();
  return result;
}

CommitResult Lake::replace_where(engine::Connection& con, const std::string& name,
                                 const std::string& predicate, const std::string& select_sql) {
  refuse_if_encrypted("replace_where");
  Snapshot base = latest_snapshot();
  Table t = table(name, SnapshotRef{base.id, std::nullopt});
  CatalogReader r = reader();
  WrittenGuard guard(*files_);
  std::vector<PlannedDelete> planned;
  std::vector<WrittenFile> files;
  try {
    files = write_data_files(con, select_sql, t, table_directory(data_root_, t), *files_);
    guard.add(files);
    planned = plan_deletes(con, r, data_root_, path_resolver(), *files_, t, base.id, predicate);
    guard.add(delete_files_of(planned));
  } catch (const engine::EngineError& e) {
    throw UserError(user_error_context("replacing rows of", t, base.id, e.what()), ExitCode::kStepFailed);
  }
  CommitIntent intent;
  intent.inserts.insert(t.id);
  if (!planned.empty()) intent.deletes.insert(t.id);
  CommitResult result;
  result.files_written = static_cast<std::int64_t>(files.size());
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    apply_deletes(ctx, t, planned);
    result.rows_written = add_data_files(ctx, t, files);
  });
  for (const auto& p : planned) result.rows_deleted += p.count;
  guard.committed();
  return result;
}

CommitResult Lake::merge(engine::Connection& con, const std::string& name, const std::string& source_sql,
                         const std::vector<std::string>& key_columns) {
  refuse_if_encrypted("merge");
  if (key_columns.empty()) throw UserError("merge into " + name + " needs key columns");
  Snapshot base = latest_snapshot();
  Table t = table(name, SnapshotRef{base.id, std::nullopt});
  CatalogReader r = reader();
  WrittenGuard guard(*files_);
  std::vector<PlannedDelete> planned;
  std::vector<WrittenFile> files;
  try {
    TempTable source(con, "SELECT * FROM (" + strip_statement(source_sql) + ") AS s");
    std::string match;
    for (const auto& k : key_columns) {
      if (!t.find_column(k))
        throw UserError(fmt::format("merge key '{}' is not a column of {}", k, t.qualified_name()));
      match += (match.empty() ? "" : " AND ") + fmt::format("s.{0} = t.{0}", quote_identifier(k));
    }
    planned = plan_deletes(con, r, data_root_, path_resolver(), *files_, t, base.id,
                           "EXISTS (SELECT 1 FROM " + source.name() + " AS s WHERE " + match + ")");
    guard.add(delete_files_of(planned));
    files =
        write_data_files(con, "SELECT * FROM " + source.name(), t, table_directory(data_root_, t), *files_);
    guard.add(files);
  } catch (const engine::EngineError& e) {
    throw UserError(user_error_context("merging into", t, base.id, e.what()), ExitCode::kStepFailed);
  }
  CommitIntent intent;
  intent.inserts.insert(t.id);
  if (!planned.empty()) intent.deletes.insert(t.id);
  CommitResult result;
  result.files_written = static_cast<std::int64_t>(files.size());
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    apply_deletes(ctx, t, planned);
    result.rows_written = add_data_files(ctx, t, files);
  });
  for (const auto& p : planned) result.rows_deleted += p.count;
  guard.committed();
  return result;
}

}  // namespace pond::lake
