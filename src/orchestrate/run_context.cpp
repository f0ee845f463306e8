#include "orchestrate/run_context.hpp"

namespace pond::orchestrate {

std::optional<PartitionScope> scope_of(const RunContext& run, const PartitionsDefinition* asset_partitions) {
  if (!asset_partitions || !run.partitions) return std::nullopt;
  if (asset_partitions != run.partitions && !asset_partitions->same_shape(*run.partitions))
    return std::nullopt;
  return run.scope;
}

std::map<std::string, std::string> partition_values(const PartitionsDefinition& def,
                                                    const PartitionScope& scope) {
  std::map<std::string, std::string> v;
  auto keys = def.keys(scope, 2);
  std::int64_t n = def.count_span(scope.span);
  std::string first = keys.empty() ? "" : keys.front();
  std::string last = first;
  if (const TimeWindows* t = def.time()) {
    last = def.key(scope.list_key, t->index_at(scope.span.end) - 1);
    v["partition_start"] = t->local_text(scope.span.start);
    v["partition_end"] = t->local_text(scope.span.end);
    v["partition_start_utc"] = TimeWindows::utc_text(scope.span.start);
    v["partition_end_utc"] = TimeWindows::utc_text(scope.span.end);
    if (!def.time_dimension().empty()) {
      v["partition_key_" + def.time_dimension()] = n == 1 ? t->key(t->index_at(scope.span.start)) : "";
    }
  }
  if (n == 1) v["partition_key"] = first;
  v["partition_key_start"] = first;
  v["partition_key_end"] = last;
  if (def.has_list() && def.time()) v["partition_key_" + def.list_dimension()] = scope.list_key;
  return v;
}

}  // namespace pond::orchestrate
