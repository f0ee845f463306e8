// `pond ingest`: the ingest resources of pond.yml as one asset run (what `pond materialize -s
// resource_type:ingest` does), recorded in the run store like every run.
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "common/text.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::cli {

int run_ingest(CommandContext& ctx, const IngestCliOptions& options) {
  orchestrate::Workspace ws(ctx.options);
  const auto& resources = ws.config().ingest;
  if (resources.empty())
    throw UserError("pond.yml has no 'ingest:' resources",
                    "e.g. ingest: {orders: {from: files, path: landing/orders/*.csv}} (docs/ingest.md)");
  std::vector<std::string> names;
  for (const auto& r : resources) names.push_back(r.name);
  orchestrate::MaterializeOptions o;
  for (const auto& s : options.select) {
    if (std::find(names.begin(), names.end(), s) == names.end()) {
      std::string guess = closest_match(s, names), all;
      for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
      throw UserError("'" + s + "' is no ingest resource of pond.yml",
                      guess.empty() ? "the resources: " + all : "did you mean '" + guess + "'?");
    }
    // The intersection keeps a dbt model of the same name out.
    o.select.push_back("resource_type:ingest," + s);
  }
  if (o.select.empty()) o.select.push_back("resource_type:ingest");
  o.threads = options.threads;
  o.partition = options.partition;
  o.from = options.from;
  o.to = options.to;
  return orchestrate::materialize(ws, o, ctx.cancel, std::cout);
}

}  // namespace pond::cli
