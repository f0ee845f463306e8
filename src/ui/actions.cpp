#include "ui/actions.hpp"

#include <chrono>
#include <set>

#include "http/server.hpp"
#include "orchestrate/cancel_run.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/reexecute.hpp"
#include "orchestrate/run_queue.hpp"
#include "ui/api.hpp"
#include "ui/body.hpp"

namespace pond::ui {

namespace {

using nlohmann::json;

const std::string kExample = R"({"select": "orders+", "partition": "2024-01-01"})";

}  // namespace

json submit_materialize(orchestrate::Workspace& ws, const std::string& text) {
  // An empty body would materialize every asset: the page always names what it wants.
  if (text.empty()) bad_body("not JSON", kExample);
  json body = parse_body(
      text, {"select", "exclude", "partition", "from", "to", "partition_range", "full_refresh", "tags"},
      kExample);
  orchestrate::MaterializeOptions o;
  o.select = selection_field(body, "select", kExample);
  o.exclude = selection_field(body, "exclude", kExample);
  o.partition = string_field(body, "partition", kExample);
  o.from = string_field(body, "from", kExample);
  o.to = string_field(body, "to", kExample);
  o.full_refresh = bool_field(body, "full_refresh", kExample).value_or(false);
  if (body.contains("tags")) {
    if (!body["tags"].is_object()) bad_body("'tags' must be an object of strings", kExample);
    for (auto& [k, v] : body["tags"].items()) {
      if (!v.is_string()) bad_body("tag '" + k + "' must be a string", kExample);
      o.tags[k] = v.get<std::string>();
    }
  }
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (body.contains("partition_range")) {
    const json& r = body["partition_range"];
    if (!r.is_object() || !r.contains("from") || !r.contains("to") || !r["from"].is_number_integer() ||
        !r["to"].is_number_integer())
      bad_body("'partition_range' must be {\"list_key\": ..., \"from\": N, \"to\": M}", kExample);
    if (o.partition || o.from || o.to)
      bad_body("give 'partition_range' or 'partition'/'from'/'to', not both", kExample);
    // The keys of the indexes, from the partitions of the selected assets (one definition).
    auto plan = orchestrate::plan_materialize(ws, o, now);
    if (plan.empty() || !plan.front().partitions || !plan.front().partitions->time())
      throw http::Error(400, "'partition_range' needs assets partitioned by time");
    const auto* def = plan.front().partitions;
    std::string list = r.value("list_key", "");
    auto from = r["from"].get<std::int64_t>(), to = r["to"].get<std::int64_t>();
    std::int64_t count = def->time()->count(now);
    if (from < 0 || to < from || to >= count)
      throw http::Error(400, "partition_range [" + std::to_string(from) + ", " + std::to_string(to) +
                                 "] is outside the " + std::to_string(count) + " partitions of " +
                                 def->name());
    if (from == to) {
      o.partition = def->key(list, from);
    } else {
      o.from = def->key(list, from);
      o.to = def->key(list, to);
    }
  }
  if (o.to && !o.from) throw UserError("'to' needs 'from'");
  if (o.partition && o.from) throw UserError("give either 'partition' or 'from'/'to', not both");
  o.submit = true;
  o.trigger = "ui";
  return {{"run_id", orchestrate::submit_materialize(ws, o, now)}};
}

json submit_reexecute(orchestrate::Workspace& ws, const std::string& run_id, const std::string& text) {
  const std::string example = R"({"failed_only": true})";
  json body = parse_body(text, {"failed_only"}, example);
  bool failed_only = bool_field(body, "failed_only", example).value_or(false);
  if (!ws.store().find_run(run_id))
    throw http::Error(404, "no run '" + run_id + "'", "the runs page lists the recent runs");
  orchestrate::Reexecution plan = orchestrate::plan_reexecute(ws, run_id, failed_only);
  if (!plan.request) throw http::Error(409, plan.message, "re-run the whole run instead");
  return {{"run_id", orchestrate::submit_run(ws, std::move(*plan.request))},
          {"parent_run_id", plan.parent_run_id},
          {"message", plan.message}};
}

json cancel(runstore::RunStore& store, const std::string& run_id) {
  if (!store.find_run(run_id))
    throw http::Error(404, "no run '" + run_id + "'", "the runs page lists the recent runs");
  auto r = orchestrate::cancel_run(store, run_id);
  const char* outcome = r.outcome == orchestrate::CancelOutcome::kCancelledQueued ? "cancelled"
                        : r.outcome == orchestrate::CancelOutcome::kRequested     ? "requested"
                                                                                  : "not running";
  return {{"run_id", r.run_id}, {"status", r.status}, {"outcome", outcome}};
}

}  // namespace pond::ui
