#include "ui/lake_api.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/text.hpp"
#include "dbt/target.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "http/server.hpp"
#include "lake/lake.hpp"
#include "lake/time_travel.hpp"

namespace pond::ui {

namespace {

using nlohmann::json;

std::optional<lake::Lake> open_lake(orchestrate::Workspace& ws) {
  const auto& target = ws.project().resolved.target;
  if (!target.lake) return std::nullopt;
  return lake::Lake::open(dbt::lake_config(target), false);
}

json columns_json(const lake::Table& t) {
  json out = json::array();
  for (const auto& c : t.columns)
    out.push_back({{"name", c.name},
                   {"type", c.type},
                   {"nullable", c.nulls_allowed},
                   {"comment", c.comment ? json(*c.comment) : json(nullptr)}});
  return out;
}

lake::SnapshotRef ref_of(std::optional<std::int64_t> snapshot) {
  lake::SnapshotRef ref;
  ref.version = snapshot;
  return ref;
}

// A snapshot the lake does not have is the client's mistake: 404 with the lake's own message.
std::int64_t resolve(lake::Lake& lake, std::optional<std::int64_t> snapshot) {
  try {
    return lake.resolve(ref_of(snapshot));
  } catch (const UserError& e) {
    throw http::Error(404, e.message(), "the lake page lists the snapshots");
  }
}

}  // namespace

json lake_json(orchestrate::Workspace& ws, std::optional<std::int64_t> snapshot) {
  std::optional<lake::Lake> lake;
  try {
    lake = open_lake(ws);
  } catch (const UserError& e) {
    // No catalog yet (nothing written) or one that does not open: the page says which.
    return {{"lake", nullptr}, {"error", e.message()}, {"hint", e.hint()}};
  }
  if (!lake)
    return {{"lake", nullptr},
            {"hint", "the target '" + ws.project().resolved.target.target_name +
                         "' has no lake: add lake: {catalog: sqlite:lake.sqlite, data_path: lake/} to it"}};
  std::int64_t snap = resolve(*lake, snapshot);
  json snapshots = json::array();
  auto all = lake->snapshots();
  std::reverse(all.begin(), all.end());
  for (const auto& s : all) {
    if (snapshots.size() >= 500) break;
    snapshots.push_back({{"id", s.id},
                         {"time", s.time},
                         {"schema_version", s.schema_version},
                         {"changes", s.changes},
                         {"author", s.author ? json(*s.author) : json(nullptr)},
                         {"commit_message", s.commit_message ? json(*s.commit_message) : json(nullptr)}});
  }
  // Which asset writes each table (its relation), so the page links them.
  std::map<std::string, std::string> asset_of;
  const auto& g = ws.graph();
  for (std::size_t i = 0; i < g.size(); ++i)
    if (!g.node(i).table.empty()) asset_of[g.node(i).table] = g.node(i).name;
  lake::CatalogReader r = lake->reader();
  json tables = json::array();
  for (const auto& t : r.tables(snap)) {
    std::int64_t rows = 0, bytes = 0, files = 0;
    for (const auto& f : r.data_files(t.id, snap)) {
      rows += f.record_count;
      bytes += f.file_size_bytes;
      ++files;
    }
    for (const auto& d : r.delete_files(t.id, snap)) rows -= d.delete_count;
    auto a = asset_of.find(t.qualified_name());
    tables.push_back({{"name", t.qualified_name()},
                      {"id", t.id},
                      {"columns", t.columns.size()},
                      {"files", files},
                      {"rows", rows},
                      {"bytes", bytes},
                      {"created_snapshot", t.begin_snapshot},
                      {"asset", a == asset_of.end() ? json(nullptr) : json(a->second)}});
  }
  lake::Snapshot latest = lake->latest_snapshot();
  return {{"lake",
           {{"catalog", lake->catalog_location()},
            {"catalog_kind", lake->catalog_kind()},
            {"data_path", lake->data_root()},
            {"latest_snapshot", latest.id}}},
          {"snapshot", snap},
          {"snapshots", std::move(snapshots)},
          {"tables", std::move(tables)}};
}

json lake_table_json(orchestrate::Workspace& ws, const std::string& name,
                     std::optional<std::int64_t> snapshot, int limit) {
  auto lake = open_lake(ws);
  if (!lake) throw http::Error(404, "the target has no lake", "add lake: to the target in profiles.yml");
  std::int64_t snap = resolve(*lake, snapshot);
  lake::Table t;
  try {
    t = lake->table(name, lake::SnapshotRef{snap, std::nullopt});
  } catch (const UserError& e) {
    throw http::Error(404, e.message(), "the lake page lists the tables of each snapshot");
  }
  limit = std::clamp(limit, 1, 1000);
  // The table as of the snapshot, every value as text (JSON keeps what DuckDB prints).
  std::string sql = "SELECT COLUMNS(*)::VARCHAR FROM lake_scan(" + quote_literal(t.qualified_name()) +
                    ", version => " + std::to_string(snap) + ") LIMIT " + std::to_string(limit);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  engine::Result result = con.query(lake::expand_lake_scans(*lake, sql));
  json rows = json::array();
  for (const auto& row : result.rows_as_text()) {
    json r = json::array();
    for (const auto& v : row) r.push_back(v ? json(*v) : json(nullptr));
    rows.push_back(std::move(r));
  }
  lake::CatalogReader reader = lake->reader();
  std::int64_t count = 0;
  for (const auto& f : reader.data_files(t.id, snap)) count += f.record_count;
  for (const auto& d : reader.delete_files(t.id, snap)) count -= d.delete_count;
  return {{"table", t.qualified_name()}, {"snapshot", snap},   {"created_snapshot", t.begin_snapshot},
          {"columns", columns_json(t)},  {"row_count", count}, {"limit", limit},
          {"rows", std::move(rows)}};
}

json lake_columns(orchestrate::Workspace& ws, const std::string& table) {
  if (table.empty()) return nullptr;
  auto lake = open_lake(ws);
  if (!lake) return nullptr;
  for (const auto& t : lake->tables())
    if (t.qualified_name() == table) return columns_json(t);
  return nullptr;
}

}  // namespace pond::ui
