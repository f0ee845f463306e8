// The run store's partition tables: what each asset's partitions last did, as stretches (never
// a row per partition of a definition), dynamic partition keys, what runs target, run tags.
#include <algorithm>
#include <optional>

#include "common/time.hpp"
#include "runstore/run_store.hpp"

namespace pond::runstore {

namespace {

std::string text(const std::optional<std::string>& s) {
  return s.value_or("");
}

PartitionRangeRecord read_range(const state::Row& r) {
  return PartitionRangeRecord{text(r[0]), text(r[1]), state::to_int(r[2]), state::to_int(r[3]),
                              text(r[4]), text(r[5]), text(r[6]),          text(r[7])};
}

constexpr const char* kRangeColumns =
    "asset_key, list_key, range_start, range_end, status, run_id, ts, code_version";

bool same_outcome(const PartitionRangeRecord& a, const PartitionRangeRecord& b) {
  return a.status == b.status && a.run_id == b.run_id && a.code_version == b.code_version;
}

}  // namespace

void RunStore::record_partition_range(const PartitionRangeRecord& r) {
  if (r.range_start >= r.range_end) return;
  // Read, merge, rewrite: runs of one asset finishing at once (processes sharing a PostgreSQL
  // store) take turns per asset; SQLite's write transaction already serialises them.
  std::optional<state::Transaction> own;
  if (!db_->in_transaction()) own.emplace(*db_, true);
  if (db_->kind() == state::Kind::kPostgres)
    db_->query("SELECT pg_advisory_xact_lock(7283503, hashtext(?))", {r.asset_key});
  // Stretches that overlap or touch the new one.
  std::vector<PartitionRangeRecord> old;
  for (const auto& row : db_->query(std::string("SELECT ") + kRangeColumns +
                                        " FROM asset_partitions WHERE asset_key = ? AND list_key = ? AND "
                                        "range_start <= ? AND range_end >= ? ORDER BY range_start",
                                    {r.asset_key, r.list_key, r.range_end, r.range_start}))
    old.push_back(read_range(row));
  PartitionRangeRecord merged = r;
  std::vector<PartitionRangeRecord> keep;
  for (const auto& o : old) {
    bool touches_only = o.range_end == r.range_start || o.range_start == r.range_end;
    if (touches_only && !same_outcome(o, r)) continue;  // stays as it is
    db_->execute("DELETE FROM asset_partitions WHERE asset_key = ? AND list_key = ? AND range_start = ?",
                 {o.asset_key, o.list_key, o.range_start});
    if (same_outcome(o, r)) {
      // Same outcome: the stretches become one (the newer timestamp wins).
      merged.range_start = std::min(merged.range_start, o.range_start);
      merged.range_end = std::max(merged.range_end, o.range_end);
      if (o.ts > merged.ts) merged.ts = o.ts;
      continue;
    }
    if (o.range_start < r.range_start) {
      PartitionRangeRecord left = o;
      left.range_end = r.range_start;
      keep.push_back(left);
    }
    if (o.range_end > r.range_end) {
      PartitionRangeRecord right = o;
      right.range_start = r.range_end;
      keep.push_back(right);
    }
  }
  keep.push_back(merged);
  for (const auto& k : keep)
    db_->execute(
        std::string("INSERT INTO asset_partitions (") + kRangeColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {k.asset_key, k.list_key, k.range_start, k.range_end, k.status, k.run_id, k.ts, k.code_version});
  db_->execute("UPDATE store_versions SET version = version + 1 WHERE name = 'asset_partitions'", {});
  if (own) own->commit();
}

std::vector<PartitionRangeRecord> RunStore::partition_ranges() {
  // Every stretch of every asset (pond status, the UI): streamed, never held twice.
  std::vector<PartitionRangeRecord> out;
  db_->query_each(std::string("SELECT ") + kRangeColumns +
                      " FROM asset_partitions ORDER BY asset_key, list_key, range_start",
                  {}, [&out](const state::Row& row) { out.push_back(read_range(row)); });
  return out;
}

std::int64_t RunStore::partition_ranges_version() {
  auto rows = db_->query("SELECT version FROM store_versions WHERE name = 'asset_partitions'", {});
  return rows.empty() ? 0 : state::to_int(rows[0][0]);
}

std::vector<PartitionRangeRecord> RunStore::partition_ranges_of(const std::string& asset_key) {
  std::vector<PartitionRangeRecord> out;
  for (const auto& row :
       db_->query(std::string("SELECT ") + kRangeColumns +
                      " FROM asset_partitions WHERE asset_key = ? ORDER BY list_key, range_start",
                  {asset_key}))
    out.push_back(read_range(row));
  return out;
}

std::vector<std::string> RunStore::add_dynamic_partitions(const std::string& definition,
                                                          const std::vector<std::string>& keys) {
  std::vector<std::string> added;
  state::Transaction tx(*db_, true);
  for (const auto& k : keys) {
    if (!db_->query("SELECT 1 FROM dynamic_partitions WHERE definition = ? AND partition_key = ?",
                    {definition, k})
             .empty())
      continue;
    db_->execute("INSERT INTO dynamic_partitions (definition, partition_key, added_at) VALUES (?, ?, ?)",
                 {definition, k, iso_utc_now()});
    added.push_back(k);
  }
  tx.commit();
  return added;
}

std::vector<std::string> RunStore::remove_dynamic_partitions(const std::string& definition,
                                                             const std::vector<std::string>& keys) {
  std::vector<std::string> removed;
  state::Transaction tx(*db_, true);
  for (const auto& k : keys) {
    if (db_->query("SELECT 1 FROM dynamic_partitions WHERE definition = ? AND partition_key = ?",
                   {definition, k})
            .empty())
      continue;
    db_->execute("DELETE FROM dynamic_partitions WHERE definition = ? AND partition_key = ?",
                 {definition, k});
    removed.push_back(k);
  }
  tx.commit();
  return removed;
}

std::map<std::string, std::vector<std::string>> RunStore::dynamic_partitions() {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& row : db_->query("SELECT definition, partition_key FROM dynamic_partitions ORDER BY id"))
    out[text(row[0])].push_back(text(row[1]));
  return out;
}

void RunStore::record_run_targets(const std::string& run_id, const std::vector<RunTargetRecord>& targets) {
  for (const auto& t : targets)
    db_->execute(
        "INSERT INTO run_targets (run_id, asset_key, list_key, range_start, range_end) VALUES (?, ?, ?, ?, "
        "?)",
        {run_id, t.asset_key, t.list_key, t.range_start, t.range_end});
}

std::vector<RunTargetRecord> RunStore::run_targets(const std::string& run_id) {
  std::vector<RunTargetRecord> out;
  for (const auto& row : db_->query("SELECT asset_key, list_key, range_start, range_end FROM run_targets "
                                    "WHERE run_id = ? ORDER BY asset_key, list_key, range_start",
                                    {run_id}))
    out.push_back({text(row[0]), text(row[1]), state::to_int(row[2]), state::to_int(row[3])});
  return out;
}

std::vector<std::pair<std::string, RunTargetRecord>> RunStore::running_targets() {
  std::vector<std::pair<std::string, RunTargetRecord>> out;
  for (const auto& row :
       db_->query("SELECT t.run_id, t.asset_key, t.list_key, t.range_start, t.range_end FROM run_targets t "
                  "JOIN runs r ON r.run_id = t.run_id WHERE r.status = 'running'"))
    out.push_back({text(row[0]), {text(row[1]), text(row[2]), state::to_int(row[3]), state::to_int(row[4])}});
  return out;
}

void RunStore::set_run_tags(const std::string& run_id, const std::map<std::string, std::string>& tags) {
  for (const auto& [k, v] : tags)
    db_->execute(
        "INSERT INTO run_tags (run_id, tag_key, tag_value) VALUES (?, ?, ?) ON CONFLICT (run_id, tag_key) DO "
        "UPDATE SET tag_value = excluded.tag_value",
        {run_id, k, v});
}

std::map<std::string, std::string> RunStore::run_tags(const std::string& run_id) {
  std::map<std::string, std::string> out;
  for (const auto& row : db_->query("SELECT tag_key, tag_value FROM run_tags WHERE run_id = ?", {run_id}))
    out[text(row[0])] = text(row[1]);
  return out;
}

std::vector<std::string> RunStore::runs_with_tag(const std::string& key, const std::string& value) {
  std::vector<std::string> out;
  for (const auto& row :
       db_->query("SELECT t.run_id FROM run_tags t JOIN runs r ON r.run_id = t.run_id WHERE "
                  "t.tag_key = ? AND t.tag_value = ? ORDER BY r.started_at DESC",
                  {key, value}))
    out.push_back(text(row[0]));
  return out;
}

}  // namespace pond::runstore
