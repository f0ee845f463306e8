#include "lake/commit.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "common/error.hpp"
#include "lake/sql_text.hpp"

namespace pond::lake {

void CommitContext::change(const std::string& entry) {
  for (const auto& c : changes)
    if (c == entry) return;
  changes.push_back(entry);
}

std::vector<std::string> split_changes(const std::string& changes) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : changes) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string changes_summary(const std::string& changes_made) {
  static const std::map<std::string, std::string> kKeys = {{"created_schema", "schemas_created"},
                                                           {"created_table", "tables_created"},
                                                           {"created_view", "views_created"},
                                                           {"inserted_into_table", "tables_inserted_into"},
                                                           {"deleted_from_table", "tables_deleted_from"},
                                                           {"compacted_table", "tables_compacted"},
                                                           {"dropped_schema", "schemas_dropped"},
                                                           {"dropped_table", "tables_dropped"},
                                                           {"dropped_view", "views_dropped"},
                                                           {"altered_table", "tables_altered"},
                                                           {"altered_view", "views_altered"}};
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto& change : split_changes(changes_made)) {
    auto colon = change.find(':');
    std::string kind = change.substr(0, colon);
    std::string arg = colon == std::string::npos ? "" : change.substr(colon + 1);
    std::string value;
    for (char c : arg)
      if (c != '"') value += c;
    auto k = kKeys.find(kind);
    std::string key = k == kKeys.end() ? kind : k->second;
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == key; });
    if (g == groups.end()) {
      groups.push_back({key, {}});
      g = groups.end() - 1;
    }
    g->second.push_back(value);
  }
  std::string out = "{";
  for (std::size_t i = 0; i < groups.size(); ++i) {
    out += (i ? ", " : "") + groups[i].first + "=[";
    for (std::size_t j = 0; j < groups[i].second.size(); ++j) out += (j ? ", " : "") + groups[i].second[j];
    out += "]";
  }
  return out + "}";
}

namespace {

// Returns a description of the conflict between a committed change and our intent, or "".
std::string conflict_of(const std::string& change, const CommitIntent& intent) {
  auto colon = change.find(':');
  if (colon == std::string::npos) return "";
  std::string kind = change.substr(0, colon);
  std::string arg = change.substr(colon + 1);
  if (kind.rfind("created_", 0) == 0) return intent.created_names.count(change) ? change : "";
  std::int64_t id = 0;
  try {
    id = std::stoll(arg);
  } catch (const std::exception&) {
    return "";
  }
  auto touches = [&](std::int64_t t) {
    return intent.inserts.count(t) || intent.deletes.count(t) || intent.alters.count(t) ||
           intent.drops.count(t) || intent.compacts.count(t);
  };
  if (kind == "dropped_table" && touches(id)) return change;
  if (kind == "altered_table" && touches(id)) return change;
  if (kind == "deleted_from_table" && (intent.deletes.count(id) || intent.compacts.count(id) ||
                                       intent.drops.count(id) || intent.alters.count(id)))
    return change;
  if (kind == "compacted_table" && (intent.deletes.count(id) || intent.compacts.count(id))) return change;
  if (kind == "dropped_schema" && intent.schemas_used.count(id)) return change;
  if ((kind == "dropped_view" || kind == "altered_view") && intent.view_changes.count(id)) return change;
  return "";
}

void check_conflicts(CatalogDb& db, std::int64_t base, std::int64_t latest, const CommitIntent& intent) {
  auto rows = db.query(
      "SELECT snapshot_id, changes_made FROM ducklake_snapshot_changes WHERE snapshot_id > ? AND snapshot_id "
      "<= ? "
      "ORDER BY snapshot_id",
      {base, latest});
  for (const auto& r : rows) {
    for (const auto& change : split_changes(r[1].value_or(""))) {
      std::string what = conflict_of(change, intent);
      if (!what.empty())
        throw UserError("commit conflict: snapshot " + r[0].value_or("?") + " (" + what +
                            ") was committed after this change started from snapshot " + std::to_string(base),
                        "nothing was committed; run the change again on the new snapshot");
    }
  }
}

}  // namespace

std::int64_t run_commit(CatalogDb& db, std::int64_t base_snapshot, const CommitIntent& intent,
                        const CommitOps& ops, const CommitOptions& options) {
  std::mt19937 jitter(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    try {
      CatalogTransaction tx(db, true);
      CatalogReader reader(db);
      Snapshot latest = reader.latest_snapshot();
      if (latest.id > base_snapshot) check_conflicts(db, base_snapshot, latest.id, intent);
      CommitContext ctx{db, CatalogReader(db), latest.id + 1, latest.next_catalog_id, latest.next_file_id};
      ops(ctx);
      if (ctx.changes.empty()) return latest.id;  // nothing to commit
      std::int64_t schema_version = latest.schema_version + (ctx.schema_changed ? 1 : 0);
      for (std::int64_t table_id : ctx.tables_with_new_schema)
        db.execute(
            "INSERT INTO ducklake_schema_versions (begin_snapshot, schema_version, table_id) VALUES (?, ?, "
            "?)",
            {ctx.snapshot_id, schema_version, table_id});
      std::string changes;
      for (const auto& c : ctx.changes) changes += (changes.empty() ? "" : ",") + c;
      db.execute(
          "INSERT INTO ducklake_snapshot (snapshot_id, snapshot_time, schema_version, next_catalog_id, "
          "next_file_id) "
          "VALUES (?, ?, ?, ?, ?)",
          {ctx.snapshot_id, sql_utc_now(), schema_version, ctx.next_catalog_id, ctx.next_file_id});
      auto opt = [](const std::optional<std::string>& s) -> SqlValue {
        if (s) return *s;
        return std::monostate{};
      };
      db.execute(
          "INSERT INTO ducklake_snapshot_changes (snapshot_id, changes_made, author, commit_message, "
          "commit_extra_info) VALUES (?, ?, ?, ?, ?)",
          {ctx.snapshot_id, changes, opt(options.author), opt(options.message), opt(options.extra_info)});
      tx.commit();
      return ctx.snapshot_id;
    } catch (const CommitRace& race) {
      if (attempt >= options.max_retries)
        throw UserError(std::string("could not commit to the lake after ") + std::to_string(attempt + 1) +
                            " attempts: " + race.what(),
                        "another writer keeps committing; try again");
      int wait_ms = std::min(2000, 10 * (1 << std::min(attempt, 7))) + static_cast<int>(jitter() % 20);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
  }
}

}  // namespace pond::lake
