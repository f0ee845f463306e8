#include "ui/api.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "automation/schedule_evaluator.hpp"
#include "automation/schedule_ticks.hpp"
#include "common/text.hpp"
#include "http/server.hpp"
#include "orchestrate/select.hpp"
#include "orchestrate/status.hpp"
#include "project/manifest.hpp"
#include "ui/lake_api.hpp"

namespace pond::ui {

namespace {

using nlohmann::json;
using orchestrate::AssetGraph;
using orchestrate::AssetNode;

json opt(const std::optional<std::int64_t>& v) {
  return v ? json(*v) : json(nullptr);
}
json opt(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}
json text_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

json status_json(const AssetNode& a, const orchestrate::AssetStatus& s) {
  json j{{"state", s.state},
         {"last_materialized", text_or_null(s.last_materialized)},
         {"last_run_id", text_or_null(s.last_run_id)},
         {"reasons", s.reasons}};
  if (a.partitions)
    j["partitions"] = {{"definition", a.partitions->name()},
                       {"total", s.total},
                       {"materialized", s.materialized},
                       {"failed", s.failed},
                       {"missing", s.missing},
                       {"in_progress", s.in_progress},
                       {"stale", s.stale}};
  else
    j["partitions"] = nullptr;
  return j;
}

std::vector<std::size_t> all_assets(const AssetGraph& g) {
  std::vector<std::size_t> all(g.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

std::size_t find_asset(const AssetGraph& g, const std::string& name) {
  if (auto i = g.find(name)) return *i;
  auto names = g.names();
  std::string close = closest_match(name, names);
  throw http::Error(404, "no asset '" + name + "' in this project (it may have been renamed or removed)",
                    close.empty() ? "the asset catalog lists every asset" : "did you mean '" + close + "'?");
}

json run_json_row(const runstore::RunRecord& r) {
  return {{"run_id", r.run_id},
          {"command", r.command},
          {"selection", r.selection},
          {"status", r.status},
          {"started_at", text_or_null(r.started_at)},
          {"finished_at", text_or_null(r.finished_at)},
          {"queued_at", text_or_null(r.queued_at)},
          {"trigger", r.trigger},
          {"target", r.target},
          {"parent_run_id", text_or_null(r.parent_run_id)},
          {"summary", parse_or_null(r.summary_json)},
          {"priority", r.priority}};
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The partition health of an asset: per list key, its partitions' outcomes as index stretches
// of the time dimension ([0, 1) without one), so a page draws 100,000 partitions as a few bars.
json partition_health(const AssetNode& a, runstore::RunStore& store, const orchestrate::StoreSnapshot& snap,
                      EpochSeconds now) {
  const orchestrate::PartitionsDefinition* def = a.partitions;
  if (!def) return nullptr;
  const orchestrate::TimeWindows* time = def->time();
  std::int64_t count = time ? time->count(now) : 1;
  json j{{"definition", def->name()}, {"count", count}, {"dynamic", def->dynamic()}};
  if (time && count > 0) {
    j["first_key"] = time->key(0);
    j["last_key"] = time->key(count - 1);
  }
  std::vector<std::string> lists = def->has_list() ? def->list_keys() : std::vector<std::string>{""};
  auto index = [&](std::int64_t t) -> std::int64_t {
    if (!time) return t;  // [0, 1)
    return std::clamp<std::int64_t>(time->index_at(t), 0, count);
  };
  std::map<std::string, json> rows;
  for (const auto& l : lists) rows[l] = json{{"list_key", l}, {"stretches", json::array()}};
  auto add = [&](const std::string& list, std::int64_t s, std::int64_t e, const std::string& status,
                 const std::string& run) {
    auto it = rows.find(list);
    if (it == rows.end()) return;
    std::int64_t from = index(s), to = time ? index(e) : e;
    if (to <= from) return;
    it->second["stretches"].push_back({{"from", from}, {"to", to}, {"status", status}, {"run_id", run}});
  };
  for (const auto& r : store.partition_ranges_of(a.key))
    add(r.list_key, r.range_start, r.range_end, r.status, r.run_id);
  if (auto it = snap.running.find(a.key); it != snap.running.end())
    for (const auto& r : it->second) add(r.list_key, r.range_start, r.range_end, "running", "");
  j["rows"] = json::array();
  for (auto& [k, v] : rows) j["rows"].push_back(std::move(v));
  return j;
}

}  // namespace

std::vector<std::string> split_selection(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

json selection_json(const AssetGraph& g, const std::string& select, const std::string& exclude) {
  auto picked = orchestrate::select_assets(g, split_selection(select), split_selection(exclude));
  json names = json::array();
  for (std::size_t i : picked) names.push_back(g.node(i).name);
  return {{"select", select}, {"exclude", exclude}, {"ids", picked}, {"names", std::move(names)}};
}

json asset_json(orchestrate::Workspace& ws, runstore::RunStore& store, const std::string& name,
                EpochSeconds now) {
  const AssetGraph& g = ws.graph();
  std::size_t i = find_asset(g, name);
  const AssetNode& a = g.node(i);
  auto snap = orchestrate::StoreSnapshot::read(store);
  auto status = orchestrate::asset_status(g, snap, {i}, now).front();
  auto names_of = [&](const std::vector<std::size_t>& ids) {
    json out = json::array();
    for (std::size_t k : ids)
      out.push_back({{"name", g.node(k).name}, {"kind", orchestrate::kind_name(g.node(k).kind)}});
    return out;
  };
  json j{{"name", a.name},
         {"key", a.key},
         {"kind", orchestrate::kind_name(a.kind)},
         {"group", a.group},
         {"description", a.description},
         {"owners", a.owners},
         {"tags", a.tags},
         {"table", a.table},
         {"file", a.where.to_string()},
         {"code_version", a.code_version},
         {"materializable", a.materializable()},
         {"pool", a.pool},
         {"parents", names_of(a.parents)},
         {"children", names_of(a.children)},
         {"status", status_json(a, status)},
         {"checks", json::array()},
         {"columns", json::array()},
         {"raw_sql", nullptr},
         {"compiled_sql", nullptr},
         {"command", nullptr}};
  if (a.command) {
    std::string run = a.command->shell;
    for (const auto& arg : a.command->argv) run += (run.empty() ? "" : " ") + arg;
    j["command"] = run;
  }
  const project::Manifest* m = g.manifest();
  if (a.dbt_index && m) {
    const project::Node& n = m->nodes[*a.dbt_index];
    for (const auto& c : n.columns)
      j["columns"].push_back({{"name", c.name}, {"description", c.description}, {"data_type", c.data_type}});
    if (!n.raw_code.empty()) j["raw_sql"] = n.raw_code;
    j["materialized"] = n.materialized();
    // What the last compile or run wrote (dbt's target/compiled/<package>/<path>).
    std::string compiled =
        read_file(ws.root() / m->project.target_path / "compiled" / n.package_name / n.original_file_path);
    if (!compiled.empty()) j["compiled_sql"] = compiled;
  }
  if (auto it = snap.checks.find(a.key); it != snap.checks.end())
    for (const auto& c : it->second)
      j["checks"].push_back({{"name", c.check_name},
                             {"status", c.status},
                             {"severity", c.severity},
                             {"failures", opt(c.failures)},
                             {"message", c.message},
                             {"run_id", c.run_id},
                             {"ts", c.ts}});
  json history = json::array();
  for (const auto& h : store.materializations_of(a.key, 100))
    history.push_back({{"ts", h.ts},
                       {"run_id", h.run_id},
                       {"partition", h.partition_key},
                       {"rows", opt(h.rows)},
                       {"bytes", opt(h.bytes)},
                       {"duration_ms", opt(h.duration_ms)},
                       {"snapshot_id", opt(h.snapshot_id)}});
  j["materializations"] = std::move(history);
  j["partition_health"] = partition_health(a, store, snap, now);
  json check_history = json::array();
  for (const auto& c : store.checks_of(a.key, 200))
    check_history.push_back({{"name", c.check_name},
                             {"status", c.status},
                             {"failures", opt(c.failures)},
                             {"message", c.message},
                             {"run_id", c.run_id},
                             {"ts", c.ts}});
  j["check_history"] = std::move(check_history);
  json evaluations = json::array();
  for (const auto& e : store.automation_evaluations(a.key, 50))
    evaluations.push_back({{"tick", orchestrate::TimeWindows::utc_text(e.tick_at)},
                           {"requested", e.requested},
                           {"condition", e.condition},
                           {"partitions", e.partitions},
                           {"run_ids", e.run_ids},
                           {"reason", e.reason},
                           {"recorded_at", e.recorded_at}});
  j["automation_evaluations"] = std::move(evaluations);
  // The columns as the lake has them (types of what was written), beside the documented ones.
  try {
    j["lake_columns"] = lake_columns(ws, a.table);
  } catch (const std::exception& e) {
    j["lake_columns"] = nullptr;
    j["lake_error"] = e.what();
  }
  return j;
}

json runs_json(const orchestrate::Workspace& ws, runstore::RunStore& store, const RunFilter& f) {
  std::optional<std::string> asset_key;
  if (f.asset) asset_key = ws.graph().node(find_asset(ws.graph(), *f.asset)).key;
  std::optional<std::pair<std::string, std::optional<std::string>>> tag;
  if (f.tag) {
    auto eq = f.tag->find('=');
    if (eq == std::string::npos)
      tag.emplace(*f.tag, std::nullopt);
    else
      tag.emplace(f.tag->substr(0, eq), f.tag->substr(eq + 1));
  }
  int limit = std::clamp(f.limit, 1, 1000);
  // Filters look through the latest runs (a bounded window: the page asks for more by date).
  int window = (f.status || f.asset || f.tag || f.since) ? 2000 : limit;
  json out = json::array();
  for (const auto& r : store.recent_runs(window)) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (f.status && r.status != *f.status) continue;
    if (f.since && r.started_at < *f.since) continue;
    if (tag) {
      auto tags = store.run_tags(r.run_id);
      auto it = tags.find(tag->first);
      if (it == tags.end() || (tag->second && it->second != *tag->second)) continue;
    }
    if (asset_key) {
      bool hit = false;
      for (const auto& t : store.run_targets(r.run_id)) hit = hit || t.asset_key == *asset_key;
      if (!hit)
        for (const auto& s : store.steps_of(r.run_id)) hit = hit || s.relation == *asset_key;
      if (!hit) continue;
    }
    out.push_back(run_json_row(r));
  }
  return {{"runs", std::move(out)}};
}

json run_json(runstore::RunStore& store, const std::string& id, std::int64_t after_event) {
  auto run = store.find_run(id);
  if (!run) throw http::Error(404, "no run '" + id + "'", "the runs page lists the recent runs");
  json j = run_json_row(*run);
  j["tags"] = store.run_tags(run->run_id);
  json targets = json::array();
  for (const auto& t : store.run_targets(run->run_id))
    targets.push_back(
        {{"asset_key", t.asset_key}, {"list_key", t.list_key}, {"from", t.range_start}, {"to", t.range_end}});
  j["targets"] = std::move(targets);
  json steps = json::array();
  for (const auto& s : store.steps_of(run->run_id))
    steps.push_back({{"step_key", s.step_key},
                     {"index", s.step_index},
                     {"type", s.resource_type},
                     {"status", s.status},
                     {"started_at", text_or_null(s.started_at)},
                     {"finished_at", text_or_null(s.finished_at)},
                     {"duration_ms", opt(s.duration_ms)},
                     {"rows", opt(s.rows_affected)},
                     {"failures", opt(s.failures)},
                     {"message", s.message},
                     {"relation", s.relation},
                     {"thread", s.thread},
                     {"snapshot_id", opt(s.lake_snapshot)}});
  j["steps"] = std::move(steps);
  json events = json::array();
  for (const auto& e : store.events_of(run->run_id)) {
    if (e.event_id <= after_event) continue;
    events.push_back({{"event_id", e.event_id},
                      {"step_key", e.step_key},
                      {"ts", e.ts},
                      {"level", e.level},
                      {"kind", e.kind},
                      {"message", e.message},
                      {"payload", parse_or_null(e.payload_json)}});
  }
  j["events"] = std::move(events);
  json checks = json::array();
  for (const auto& c : store.checks_of_run(run->run_id))
    checks.push_back(
        {{"asset_key", c.asset_key}, {"name", c.check_name}, {"status", c.status}, {"message", c.message}});
  j["checks"] = std::move(checks);
  // The buttons that apply (the same rules as `pond runs reexecute`): a finished run of assets
  // can run again; "failed only" when some step failed, was skipped or never finished.
  bool finished = run->status != "queued" && run->status != "running";
  auto args = json::parse(run->args_json, nullptr, false);
  bool of_assets = args.is_object() && args.contains("assets") && args["assets"].is_array();
  bool some_failed =
      !store.steps_to_retry(run->run_id).empty() || (j["steps"].empty() && run->status != "success");
  j["actions"] = {{"rerun", finished && of_assets},
                  {"reexecute_failed", finished && of_assets && some_failed}};
  return j;
}

json overview_json(const orchestrate::Workspace& ws, runstore::RunStore& store, EpochSeconds now) {
  json active = json::array(), failures = json::array();
  for (const auto& r : store.recent_runs(200)) {
    if (r.status == "running" || r.status == "queued")
      active.push_back(run_json_row(r));
    else if ((r.status == "error" || r.status == "crashed") && failures.size() < 10)
      failures.push_back(run_json_row(r));
  }
  const AssetGraph& g = ws.graph();
  auto snap = orchestrate::StoreSnapshot::read(store);
  json counts = json::object();
  json stale = json::array();
  for (const auto& s : orchestrate::asset_status(g, snap, all_assets(g), now)) {
    counts[s.state] = counts.value(s.state, 0) + 1;
    if ((s.state == "stale" || s.state == "failed") && stale.size() < 20)
      stale.push_back({{"name", g.node(s.asset).name}, {"state", s.state}, {"reasons", s.reasons}});
  }
  json ticks = json::array();
  for (const auto& sc : ws.config().schedules) {
    // On or off as `pond schedules on|off` left it (the run store, over pond.yml's enabled:).
    bool on = automation::schedule_enabled(store, sc);
    auto next = on ? automation::schedule_ticks(ws.config(), sc, now, now + 40 * 24 * 3600, 1)
                   : std::vector<automation::ScheduledTick>{};
    json t{{"schedule", sc.name},
           {"cron", sc.cron},
           {"timezone", sc.timezone},
           {"enabled", on},
           {"next", nullptr}};
    if (!next.empty()) {
      t["next"] = orchestrate::TimeWindows::utc_text(next.front().at);
      t["partition"] = next.front().partition;
    }
    ticks.push_back(std::move(t));
  }
  return {{"active_runs", std::move(active)},  {"recent_failures", std::move(failures)},
          {"asset_counts", std::move(counts)}, {"attention", std::move(stale)},
          {"schedules", std::move(ticks)},     {"assets", g.size()}};
}

}  // namespace pond::ui
