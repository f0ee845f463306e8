#include "ui/actions.hpp"

#include <chrono>
#include <set>

#include "http/server.hpp"
#include "orchestrate/cancel_run.hpp"
#include "orchestrate/materialize.hpp"
#include "ui/api.hpp"

namespace pond::ui {

namespace {

using nlohmann::json;

[[noreturn]] void bad_body(const std::string& why) {
  throw http::Error(400, "malformed request body: " + why,
                    "send a JSON object such as {\"select\": \"orders+\", \"partition\": \"2024-01-01\"}");
}

std::vector<std::string> selection_field(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return {};
  const json& v = body[key];
  if (v.is_string()) return split_selection(v.get<std::string>());
  if (!v.is_array()) bad_body(std::string("'") + key + "' must be a string or a list of strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) bad_body(std::string("'") + key + "' must be a string or a list of strings");
    for (auto& w : split_selection(e.get<std::string>())) out.push_back(std::move(w));
  }
  return out;
}

std::optional<std::string> string_field(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_string()) bad_body(std::string("'") + key + "' must be a string");
  return body[key].get<std::string>();
}

}  // namespace

json submit_materialize(orchestrate::Workspace& ws, const std::string& text) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded()) bad_body("not JSON");
  if (!body.is_object()) bad_body("not a JSON object");
  static const std::set<std::string> known{"select", "exclude",         "partition",    "from",
                                           "to",     "partition_range", "full_refresh", "tags"};
  for (auto& [k, v] : body.items())
    if (!known.count(k)) bad_body("unknown field '" + k + "'");
  orchestrate::MaterializeOptions o;
  o.select = selection_field(body, "select");
  o.exclude = selection_field(body, "exclude");
  o.partition = string_field(body, "partition");
  o.from = string_field(body, "from");
  o.to = string_field(body, "to");
  if (body.contains("full_refresh")) {
    if (!body["full_refresh"].is_boolean()) bad_body("'full_refresh' must be true or false");
    o.full_refresh = body["full_refresh"].get<bool>();
  }
  if (body.contains("tags")) {
    if (!body["tags"].is_object()) bad_body("'tags' must be an object of strings");
    for (auto& [k, v] : body["tags"].items()) {
      if (!v.is_string()) bad_body("tag '" + k + "' must be a string");
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
      bad_body("'partition_range' must be {\"list_key\": ..., \"from\": N, \"to\": M}");
    if (o.partition || o.from || o.to)
      bad_body("give 'partition_range' or 'partition'/'from'/'to', not both");
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
