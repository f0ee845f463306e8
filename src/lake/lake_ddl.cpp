// Lake DDL: schemas, tables, views, columns and partitioning; each call is one commit.
#include <fmt/format.h>

#include "common/error.hpp"
#include "lake/catalog_ops.hpp"
#include "lake/lake.hpp"
#include "lake/lake_internal.hpp"
#include "lake/sql_text.hpp"
#include "lake/types.hpp"
#include "lake/view_sql.hpp"

namespace pond::lake {

namespace {

std::string dq(const std::string& n) {
  return "\"" + n + "\"";
}

Schema require_schema(CommitContext& ctx, const std::string& name) {
  auto s = ctx.reader.find_schema(ctx.snapshot_id - 1, name);
  if (!s) throw UserError("the lake has no schema '" + name + "'", "create it first (create_schema)");
  return *s;
}

Table require_table(CommitContext& ctx, const std::string& schema, const std::string& name) {
  auto t = ctx.reader.find_table(ctx.snapshot_id - 1, schema, name);
  if (!t) throw UserError(fmt::format("the lake has no table {}.{}", schema, name));
  return *t;
}

const Column& require_column(const Table& t, const std::string& column) {
  const Column* c = t.find_column(column);
  if (!c) throw UserError(fmt::format("table {} has no column '{}'", t.qualified_name(), column));
  return *c;
}

std::vector<PartitionField> partition_fields(const Table& t, const std::vector<PartitionKey>& keys) {
  std::vector<PartitionField> fields;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Column& c = require_column(t, keys[i].column);
    const std::string& tr = keys[i].transform;
    if (tr != "identity" && tr != "year" && tr != "month" && tr != "day" && tr != "hour")
      throw UserError("partition transform '" + tr + "' is not supported",
                      "use identity, year, month, day or hour");
    fields.push_back({static_cast<std::int64_t>(i), c.id, tr});
  }
  return fields;
}

}  // namespace

// Builds a new table's columns (ids 1..n, depth first) from definitions.
std::vector<Column> columns_from_defs(const std::vector<ColumnDef>& defs) {
  std::vector<Column> cols;
  std::int64_t next = 1;
  for (std::size_t i = 0; i < defs.size(); ++i) {
    Column c = column_from_duckdb_type(defs[i].name, defs[i].type);
    assign_column_ids(c, next);
    c.order = static_cast<std::int64_t>(i + 1);
    std::function<void(Column&)> order_children = [&](Column& p) {
      std::int64_t o = 1;
      for (auto& ch : p.children) {
        ch.order = o++;
        order_children(ch);
      }
    };
    order_children(c);
    c.nulls_allowed = defs[i].nullable;
    c.default_value = defs[i].default_value;
    cols.push_back(std::move(c));
  }
  return cols;
}

CommitResult Lake::create_schema(const std::string& name, bool if_not_exists) {
  Snapshot base = latest_snapshot();
  CommitIntent intent;
  intent.created_names.insert("created_schema:" + dq(name));
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    if (ctx.reader.find_schema(ctx.snapshot_id - 1, name)) {
      if (if_not_exists) return;
      throw UserError("the lake already has a schema '" + name + "'");
    }
    insert_schema(ctx, name);
  });
  return result;
}

CommitResult Lake::drop_schema(const std::string& name) {
  Snapshot base = latest_snapshot();
  CommitIntent intent;
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Schema s = require_schema(ctx, name);
    for (const auto& t : ctx.reader.tables(ctx.snapshot_id - 1))
      if (t.schema_id == s.id)
        throw UserError("schema '" + name + "' still has table " + t.qualified_name(),
                        "drop its tables first");
    for (const auto& v : ctx.reader.views(ctx.snapshot_id - 1))
      if (v.schema_id == s.id) throw UserError("schema '" + name + "' still has view " + v.name);
    end_schema(ctx, s);
  });
  return result;
}

CommitResult Lake::create_table(const std::string& name, const std::vector<ColumnDef>& columns,
                                const std::vector<PartitionKey>& partition, bool if_not_exists) {
  auto [schema, table_name] = split_name(name);
  if (columns.empty()) throw UserError("table " + name + " needs at least one column");
  Snapshot base = latest_snapshot();
  CommitIntent intent;
  intent.created_names.insert("created_table:" + dq(schema) + "." + dq(table_name));
  std::vector<Column> cols = columns_from_defs(columns);
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    if (ctx.reader.find_table(ctx.snapshot_id - 1, schema, table_name)) {
      if (if_not_exists) return;
      throw UserError("the lake already has a table " + schema + "." + table_name);
    }
    Schema s = require_schema(ctx, schema);
    Table t;
    t.schema_id = s.id;
    t.schema_name = s.name;
    t.name = table_name;
    t.columns = cols;
    if (!partition.empty()) t.partition = PartitionSpec{0, partition_fields(t, partition)};
    insert_table(ctx, t);
  });
  return result;
}

CommitResult Lake::drop_table(const std::string& name, bool if_exists) {
  auto [schema, table_name] = split_name(name);
  Snapshot base = latest_snapshot();
  auto existing = reader().find_table(base.id, schema, table_name);
  if (!existing) {
    if (if_exists) return {base.id};
    throw UserError("the lake has no table " + schema + "." + table_name);
  }
  CommitIntent intent;
  intent.drops.insert(existing->id);
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Table t = require_table(ctx, schema, table_name);
    end_table(ctx, t);
  });
  return result;
}

CommitResult Lake::rename_table(const std::string& name, const std::string& new_name) {
  auto [schema, table_name] = split_name(name);
  Table existing = table(name);
  CommitIntent intent;
  intent.alters.insert(existing.id);
  intent.created_names.insert("created_table:" + dq(schema) + "." + dq(new_name));
  Snapshot base = latest_snapshot();
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Table t = require_table(ctx, schema, table_name);
    if (ctx.reader.find_table(ctx.snapshot_id - 1, schema, new_name))
      throw UserError("the lake already has a table " + schema + "." + new_name);
    // A renamed table is the same table (same id, same files): close the old row, open a new one.
    ctx.db.execute("UPDATE ducklake_table SET end_snapshot = ? WHERE table_id = ? AND end_snapshot IS NULL",
                   {ctx.snapshot_id, t.id});
    ctx.db.execute(
        "INSERT INTO ducklake_table (table_id, table_uuid, begin_snapshot, end_snapshot, schema_id, "
        "table_name, path, "
        "path_is_relative) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
        {t.id, t.uuid, ctx.snapshot_id, t.schema_id, new_name, t.path, t.path_is_relative});
    table_altered(ctx, t.id);
  });
  return result;
}

CommitResult Lake::create_view(const std::string& name, const std::string& query, bool or_replace) {
  auto [schema, view_name] = split_name(name);
  const std::string sql = portable_view_sql(query, config_.sql_catalog);
  Snapshot base = latest_snapshot();
  CommitIntent intent;
  if (!or_replace) intent.created_names.insert("created_view:" + dq(schema) + "." + dq(view_name));
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Schema s = require_schema(ctx, schema);
    for (const auto& v : ctx.reader.views(ctx.snapshot_id - 1)) {
      if (v.schema_name != schema || v.name != view_name) continue;
      if (!or_replace) throw UserError("the lake already has a view " + name);
      ctx.db.execute("UPDATE ducklake_view SET end_snapshot = ? WHERE view_id = ? AND end_snapshot IS NULL",
                     {ctx.snapshot_id, v.id});
      ctx.change("dropped_view:" + std::to_string(v.id));
    }
    std::int64_t id = ctx.new_catalog_id();
    ctx.db.execute(
        "INSERT INTO ducklake_view (view_id, view_uuid, begin_snapshot, end_snapshot, schema_id, view_name, "
        "dialect, "
        "sql, column_aliases) VALUES (?, ?, ?, NULL, ?, ?, 'duckdb', ?, '')",
        {id, random_uuid(), ctx.snapshot_id, s.id, view_name, sql});
    ctx.schema_changed = true;
    ctx.change("created_view:" + dq(schema) + "." + dq(view_name));
  });
  return result;
}

std::int64_t Lake::migrate_view_sql(const std::string& sql_catalog) {
  struct Change {
    std::int64_t view_id, begin_snapshot;
    std::string old_sql, new_sql;
  };
  std::vector<Change> changes;
  for (auto& r :
       db_->query("SELECT view_id, begin_snapshot, sql FROM ducklake_view WHERE dialect = 'duckdb'")) {
    std::string old_sql = r[2].value_or("");
    std::string new_sql = portable_view_sql(old_sql, sql_catalog);
    if (new_sql != old_sql)
      changes.push_back({to_int(r[0]), to_int(r[1]), std::move(old_sql), std::move(new_sql)});
  }
  if (changes.empty()) return 0;
  CatalogTransaction tx(*db_, true);
  for (const auto& c : changes)
    db_->execute("UPDATE ducklake_view SET sql = ? WHERE view_id = ? AND begin_snapshot = ? AND sql = ?",
                 {c.new_sql, c.view_id, c.begin_snapshot, c.old_sql});
  tx.commit();
  return static_cast<std::int64_t>(changes.size());
}

CommitResult Lake::drop_view(const std::string& name, bool if_exists) {
  auto [schema, view_name] = split_name(name);
  Snapshot base = latest_snapshot();
  CommitIntent intent;
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    for (const auto& v : ctx.reader.views(ctx.snapshot_id - 1)) {
      if (v.schema_name != schema || v.name != view_name) continue;
      ctx.db.execute("UPDATE ducklake_view SET end_snapshot = ? WHERE view_id = ? AND end_snapshot IS NULL",
                     {ctx.snapshot_id, v.id});
      ctx.schema_changed = true;
      ctx.change("dropped_view:" + std::to_string(v.id));
      return;
    }
    if (!if_exists) throw UserError("the lake has no view " + name);
  });
  return result;
}

CommitResult Lake::add_column(const std::string& table_name, const ColumnDef& def) {
  auto [schema, name] = split_name(table_name);
  Table existing = table(table_name);
  CommitIntent intent;
  intent.alters.insert(existing.id);
  Snapshot base = latest_snapshot();
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Table t = require_table(ctx, schema, name);
    if (t.find_column(def.name))
      throw UserError(fmt::format("table {} already has a column '{}'", t.qualified_name(), def.name));
    Column c = column_from_duckdb_type(def.name, def.type);
    std::int64_t next = ctx.reader.max_column_id(t.id) + 1;
    assign_column_ids(c, next);
    std::int64_t order = 0;
    for (const auto& other : t.columns) order = std::max(order, other.order);
    c.order = order + 1;
    c.initial_default = def.default_value;  // what rows written before this column read
    c.default_value = def.default_value;
    c.nulls_allowed = def.nullable;
    insert_columns(ctx, t.id, {c});
    table_altered(ctx, t.id);
  });
  return result;
}

CommitResult Lake::drop_column(const std::string& table_name, const std::string& column) {
  auto [schema, name] = split_name(table_name);
  Table existing = table(table_name);
  CommitIntent intent;
  intent.alters.insert(existing.id);
  Snapshot base = latest_snapshot();
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Table t = require_table(ctx, schema, name);
    const Column& c = require_column(t, column);
    if (t.columns.size() == 1) throw UserError("cannot drop the only column of " + t.qualified_name());
    std::function<void(const Column&)> end_all = [&](const Column& col) {
      end_column(ctx, t.id, col.id);
      for (const auto& ch : col.children) end_all(ch);
    };
    end_all(c);
    table_altered(ctx, t.id);
  });
  return result;
}

CommitResult Lake::rename_column(const std::string& table_name, const std::string& column,
                                 const std::string& new_name) {
  auto [schema, name] = split_name(table_name);
  Table existing = table(table_name);
  CommitIntent intent;
  intent.alters.insert(existing.id);
  Snapshot base = latest_snapshot();
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Table t = require_table(ctx, schema, name);
    Column c = require_column(t, column);
    if (t.find_column(new_name))
      throw UserError(fmt::format("table {} already has a column '{}'", t.qualified_name(), new_name));
    end_column(ctx, t.id, c.id);
    c.name = new_name;
    Column top = c;
    top.children.clear();  // children keep their rows; only the renamed column is new
    insert_columns(ctx, t.id, {top});
    table_altered(ctx, t.id);
  });
  return result;
}

CommitResult Lake::alter_column_type(const std::string& table_name, const std::string& column,
                                     const std::string& duckdb_type) {
  auto [schema, name] = split_name(table_name);
  Table existing = table(table_name);
  CommitIntent intent;
  intent.alters.insert(existing.id);
  Snapshot base = latest_snapshot();
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Table t = require_table(ctx, schema, name);
    Column c = require_column(t, column);
    std::string new_type = column_from_duckdb_type(column, duckdb_type).type;
    if (!c.children.empty() || !is_type_widening(c.type, new_type))
      throw UserError(
          fmt::format("cannot change column {}.{} from {} to {} without rewriting its files",
                      t.qualified_name(), column, c.type, new_type),
          "only widening is supported: int8 -> int16 -> int32 -> int64, float32 -> float64, wider "
          "decimals");
    end_column(ctx, t.id, c.id);
    c.type = new_type;
    insert_columns(ctx, t.id, {c});
    table_altered(ctx, t.id);
  });
  return result;
}

CommitResult Lake::set_partitioning(const std::string& table_name, const std::vector<PartitionKey>& keys) {
  auto [schema, name] = split_name(table_name);
  Table existing = table(table_name);
  CommitIntent intent;
  intent.alters.insert(existing.id);
  Snapshot base = latest_snapshot();
  CommitResult result;
  result.snapshot_id = commit(base.id, intent, [&](CommitContext& ctx) {
    Table t = require_table(ctx, schema, name);
    insert_partitioning(ctx, t, partition_fields(t, keys));
    table_altered(ctx, t.id);
  });
  return result;
}

}  // namespace pond::lake
