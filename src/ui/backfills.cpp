#include "ui/backfills.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "http/server.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/select.hpp"
#include "orchestrate/status.hpp"
#include "ui/body.hpp"

namespace pond::ui {

namespace {

using nlohmann::json;

const std::string kExample = R"({"select": "daily_visits", "from": "2026-03-01", "to": "2026-03-31"})";

struct Progress {
  std::int64_t runs_done = 0, runs_failed = 0;
  std::int64_t done = 0, failed = 0, in_progress = 0, missing = 0;
};

// A backfill run's state on the progress bar: done, failed, in progress or missing (pending or
// cancelled: still to do).
std::string bar_state(const std::string& run_status) {
  if (run_status == "success") return "materialized";
  if (run_status == "failed") return "failed";
  if (run_status == "running") return "running";
  return "missing";
}

Progress progress_of(const std::vector<runstore::BackfillRunRecord>& runs) {
  Progress p;
  for (const auto& r : runs) {
    std::string s = bar_state(r.status);
    if (s == "materialized") {
      ++p.runs_done;
      p.done += r.partitions;
    } else if (s == "failed") {
      ++p.runs_failed;
      p.failed += r.partitions;
    } else if (s == "running") {
      p.in_progress += r.partitions;
    } else {
      p.missing += r.partitions;
    }
  }
  return p;
}

// A running backfill whose process is gone shows as interrupted (`pond backfill resume`); one
// of this process runs on its BackfillRunner.
std::string shown_status(runstore::RunStore& store, const runstore::BackfillRecord& b) {
  bool here = b.pid && *b.pid == ::getpid();
  if (b.status == "running" && !here && !store.backfill_process_alive(b)) return "interrupted";
  return b.status;
}

json record_json(runstore::RunStore& store, const runstore::BackfillRecord& b,
                 const std::vector<runstore::BackfillRunRecord>& runs) {
  Progress p = progress_of(runs);
  std::int64_t total = p.done + p.failed + p.in_progress + p.missing;
  return {{"backfill_id", b.backfill_id},
          {"status", shown_status(store, b)},
          {"selection", b.selection},
          {"partitions", b.partitions},
          {"from", b.range_from},
          {"to", b.range_to},
          {"mode", b.mode},
          {"policy", b.policy},
          {"created_at", b.created_at},
          {"finished_at", b.finished_at.empty() ? json(nullptr) : json(b.finished_at)},
          {"cancel_requested", b.cancel_requested},
          {"runs", runs.size()},
          {"runs_done", p.runs_done},
          {"runs_failed", p.runs_failed},
          {"counts",
           {{"done", p.done},
            {"failed", p.failed},
            {"in_progress", p.in_progress},
            {"missing", p.missing},
            {"total", total}}}};
}

runstore::BackfillRecord find(runstore::RunStore& store, const std::string& id) {
  auto b = store.find_backfill(id);
  if (!b) throw http::Error(404, "no backfill '" + id + "'", "the backfills page lists them");
  return *b;
}

}  // namespace

json backfills_json(runstore::RunStore& store, int limit) {
  json out = json::array();
  for (const auto& b : store.recent_backfills(std::clamp(limit, 1, 500)))
    out.push_back(record_json(store, b, store.backfill_runs(b.backfill_id)));
  return {{"backfills", std::move(out)}};
}

json backfill_json(orchestrate::Workspace& ws, const std::string& id, orchestrate::EpochSeconds now) {
  runstore::RunStore& store = ws.store();
  runstore::BackfillRecord b = find(store, id);
  auto runs = store.backfill_runs(b.backfill_id);
  json j = record_json(store, b, runs);
  json rows = json::array();
  const orchestrate::PartitionsDefinition* def = ws.graph().partitions(b.partitions);
  for (const auto& r : runs) {
    json assets = json::parse(r.assets_json, nullptr, false);
    std::string scope = std::to_string(r.range_start) + "..." + std::to_string(r.range_end);
    if (def) scope = orchestrate::describe_scope(*def, {r.list_key, {r.range_start, r.range_end}});
    rows.push_back({{"seq", r.seq},
                    {"scope", scope},
                    {"list_key", r.list_key},
                    {"partitions", r.partitions},
                    {"assets", assets.is_discarded() ? json::array() : assets},
                    {"status", r.status},
                    {"run_id", r.run_id.empty() ? json(nullptr) : json(r.run_id)}});
  }
  j["planned_runs"] = std::move(rows);
  j["progress"] = nullptr;
  if (!def) {
    j["problem"] = "pond.yml no longer defines partitions '" + b.partitions + "'";
    return j;
  }
  // The range per list key, as time indexes; each planned run is a stretch of it. Partitions of
  // the range that no run covers needed none (already materialized when it was planned).
  const orchestrate::TimeWindows* time = def->time();
  auto index = [&](std::int64_t t) { return time ? time->index_at(t) : t; };
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> range;
  for (const auto& s : def->parse_range(b.range_from, b.range_to, now)) {
    auto [it, fresh] = range.try_emplace(s.list_key, index(s.span.start), index(s.span.end));
    if (!fresh) {
      it->second.first = std::min(it->second.first, index(s.span.start));
      it->second.second = std::max(it->second.second, index(s.span.end));
    }
  }
  std::int64_t count = 0;
  std::map<std::string, json> bar_rows;
  for (const auto& [list, span] : range) {
    count = std::max(count, span.second - span.first);
    bar_rows[list] = {{"list_key", list}, {"stretches", json::array()}};
  }
  for (const auto& r : runs) {
    auto it = range.find(r.list_key);
    if (it == range.end()) continue;
    std::int64_t from = index(r.range_start) - it->second.first, to = index(r.range_end) - it->second.first;
    if (to <= from) continue;
    json& stretches = bar_rows[r.list_key]["stretches"];
    std::string state = bar_state(r.status);
    // Neighbouring runs of one state are one stretch: 100,000 per-partition runs stay a few bars.
    if (!stretches.empty() && stretches.back()["to"] == from && stretches.back()["status"] == state) {
      stretches.back()["to"] = to;
      continue;
    }
    stretches.push_back({{"from", from}, {"to", to}, {"status", state}, {"run_id", r.run_id}});
  }
  json bar{{"definition", def->name()}, {"count", count},         {"dynamic", def->dynamic()},
           {"first_key", b.range_from}, {"last_key", b.range_to}, {"rows", json::array()}};
  for (auto& [list, row] : bar_rows) {
    auto& st = row["stretches"];
    std::sort(st.begin(), st.end(), [](const json& a, const json& c) { return a["from"] < c["from"]; });
    bar["rows"].push_back(std::move(row));
  }
  j["progress"] = std::move(bar);
  return j;
}

orchestrate::BackfillOptions backfill_options(const orchestrate::Workspace& ws, const std::string& text,
                                              orchestrate::EpochSeconds now) {
  json body = parse_body(
      text, {"select", "exclude", "from", "to", "partition_range", "mode", "policy", "reverse"}, kExample);
  orchestrate::BackfillOptions o;
  o.select = selection_field(body, "select", kExample);
  o.exclude = selection_field(body, "exclude", kExample);
  auto from = string_field(body, "from", kExample), to = string_field(body, "to", kExample);
  if (body.contains("partition_range")) {
    // A stretch picked on a partition health bar (time indexes, inclusive): its keys, in the
    // partitions definition of the selection's first partitioned asset.
    const json& r = body["partition_range"];
    if (!r.is_object() || !r.contains("from") || !r.contains("to") || !r["from"].is_number_integer() ||
        !r["to"].is_number_integer() || (r.contains("list_key") && !r["list_key"].is_string()))
      bad_body("'partition_range' must be {\"list_key\": ..., \"from\": N, \"to\": M}", kExample);
    if (from || to) bad_body("give 'partition_range' or 'from'/'to', not both", kExample);
    const orchestrate::PartitionsDefinition* def = nullptr;
    for (std::size_t i : orchestrate::select_assets(ws.graph(), o.select, o.exclude))
      if (!def && ws.graph().node(i).partitions) def = ws.graph().node(i).partitions;
    if (!def || !def->time())
      throw http::Error(400, "'partition_range' needs assets partitioned by time in the selection");
    auto a = r["from"].get<std::int64_t>(), b = r["to"].get<std::int64_t>();
    std::int64_t count = def->time()->count(now);
    if (a < 0 || b < a || b >= count)
      throw http::Error(400, "partition_range [" + std::to_string(a) + ", " + std::to_string(b) +
                                 "] is outside the " + std::to_string(count) + " partitions of " +
                                 def->name());
    std::string list = r.value("list_key", "");
    from = def->key(list, a);
    to = def->key(list, b);
  }
  if (!from || !to || from->empty() || to->empty())
    throw http::Error(400, "a backfill needs 'from' and 'to' (partition keys, inclusive)",
                      "e.g. " + kExample);
  o.from = *from;
  o.to = *to;
  o.mode = string_field(body, "mode", kExample).value_or("missing");
  o.policy = string_field(body, "policy", kExample).value_or("per-partition");
  o.reverse = bool_field(body, "reverse", kExample).value_or(false);
  return o;
}

json backfill_plan_json(orchestrate::Workspace& ws, const orchestrate::BackfillOptions& o,
                        orchestrate::EpochSeconds now) {
  const auto& g = ws.graph();
  auto plan = orchestrate::plan_backfill(g, o, orchestrate::StoreSnapshot::read(ws.store()), now);
  auto names = [&](const std::vector<std::size_t>& ids) {
    json out = json::array();
    for (std::size_t i : ids) out.push_back(g.node(i).name);
    return out;
  };
  std::int64_t steps = 0;
  json runs = json::array();
  for (const auto& c : plan.chunks) {
    steps += static_cast<std::int64_t>(c.assets.size());
    if (runs.size() < 500)
      runs.push_back({{"scope", orchestrate::describe_scope(*plan.definition, c.scope)},
                      {"partitions", c.partitions},
                      {"assets", names(c.assets)}});
  }
  return {{"definition", plan.definition->name()},
          {"selection", plan.selection},
          {"from", o.from},
          {"to", o.to},
          {"mode", o.mode},
          {"policy", o.policy},
          {"assets", names(plan.assets)},
          {"run_count", plan.chunks.size()},
          {"asset_partitions", plan.asset_partitions},
          {"steps", steps},
          {"runs", std::move(runs)}};
}

std::string record_backfill(orchestrate::Workspace& ws, const orchestrate::BackfillOptions& o,
                            orchestrate::EpochSeconds now) {
  auto plan = orchestrate::plan_backfill(ws.graph(), o, orchestrate::StoreSnapshot::read(ws.store()), now);
  if (plan.chunks.empty())
    throw http::Error(409,
                      "nothing to backfill: no partition in the range is " +
                          std::string(o.mode == "failed" ? "failed" : "missing"),
                      "choose another range, or mode 'all' to materialize it again");
  return orchestrate::record_backfill(ws, plan, o);
}

std::string resume_backfill(orchestrate::Workspace& ws, const std::string& id) {
  runstore::BackfillRecord b = find(ws.store(), id);
  if (b.pid && *b.pid == ::getpid() && b.status == "running")
    throw http::Error(409, "backfill " + b.backfill_id + " is running in this server",
                      "wait for it, or cancel it");
  auto claimed = orchestrate::claim_backfill_to_resume(ws, b.backfill_id);
  if (!claimed) throw http::Error(409, "backfill " + b.backfill_id + " already succeeded: nothing to resume");
  return *claimed;
}

json cancel_backfill(orchestrate::Workspace& ws, const std::string& id) {
  runstore::BackfillRecord b = find(ws.store(), id);
  std::ostringstream out;
  orchestrate::cancel_backfill(ws, b.backfill_id, out);
  std::string message = out.str();
  if (!message.empty() && message.back() == '\n') message.pop_back();
  return {{"backfill_id", b.backfill_id}, {"message", message}};
}

}  // namespace pond::ui
