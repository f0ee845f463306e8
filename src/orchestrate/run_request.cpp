#include "orchestrate/run_request.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace pond::orchestrate {

std::string request_args(const Workspace& ws, const RunRequest& req) {
  const AssetGraph& g = ws.graph();
  nlohmann::json args{{"which", req.command},    {"select", req.selection},
                      {"vars", req.vars},        {"full_refresh", req.full_refresh},
                      {"tags", req.tags},        {"fail_fast", req.fail_fast},
                      {"priority", req.priority}};
  if (req.threads) args["threads"] = *req.threads;
  std::vector<std::string> names;
  for (std::size_t i : req.assets) names.push_back(g.node(i).name);
  args["assets"] = names;
  if (req.partitions) {
    args["partitions"] = req.partitions->name();
    args["partition"] = describe_scope(*req.partitions, req.scope);
    args["list_key"] = req.scope.list_key;
    args["range_start"] = req.scope.span.start;
    args["range_end"] = req.scope.span.end;
  }
  return args.dump();
}

runstore::RunRecord request_record(Workspace& ws, const RunRequest& req) {
  runstore::RunRecord r;
  r.run_id = req.run_id;
  r.command = req.command;
  r.selection = req.selection;
  r.args_json = request_args(ws, req);
  r.target = ws.project().resolved.target.target_name;
  r.trigger = req.trigger;
  r.parent_run_id = req.parent_run_id;
  r.priority = req.priority;
  return r;
}

RunRequest request_of(const Workspace& ws, const runstore::RunRecord& run) {
  const AssetGraph& g = ws.graph();
  auto args = nlohmann::json::parse(run.args_json, nullptr, false);
  if (!args.is_object() || !args.contains("assets") || !args["assets"].is_array())
    throw UserError("run " + run.run_id + " (pond " + run.command + ") is not a run of assets",
                    "re-run dbt commands with: pond retry");
  RunRequest req;
  req.command = run.command;
  req.selection = run.selection;
  req.trigger = run.trigger;
  req.parent_run_id = run.parent_run_id;
  req.priority = run.priority;
  for (const auto& name : args["assets"]) {
    auto i = g.find(name.get<std::string>());
    if (!i)
      throw UserError("run " + run.run_id + " materialized asset '" + name.get<std::string>() +
                          "', which the project no longer has",
                      "materialize what the project has today with: pond materialize -s ...");
    req.assets.push_back(*i);
  }
  if (args.contains("partitions")) {
    std::string name = args["partitions"].get<std::string>();
    req.partitions = g.partitions(name);
    if (!req.partitions)
      throw UserError("run " + run.run_id + " used partitions '" + name +
                      "', which pond.yml no longer defines");
    req.scope.list_key = args.value("list_key", "");
    req.scope.span = {args.value<std::int64_t>("range_start", 0), args.value<std::int64_t>("range_end", 1)};
  }
  req.vars = args.value("vars", "");
  req.full_refresh = args.value("full_refresh", false);
  req.fail_fast = args.value("fail_fast", false);
  if (args.contains("threads")) req.threads = args["threads"].get<int>();
  if (args.contains("tags") && args["tags"].is_object())
    for (auto& [k, v] : args["tags"].items())
      if (v.is_string()) req.tags[k] = v.get<std::string>();
  return req;
}

}  // namespace pond::orchestrate
