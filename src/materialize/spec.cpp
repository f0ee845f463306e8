#include "materialize/spec.hpp"

#include "common/error.hpp"

namespace pond::materialize {

namespace {

template <typename E, std::size_t N>
E lookup(const std::string& value, const char* what, const std::pair<const char*, E> (&table)[N]) {
  std::string accepted;
  for (const auto& [name, e] : table) {
    if (value == name) return e;
    if (!accepted.empty()) accepted += ", ";
    accepted += name;
  }
  throw UserError(std::string("unknown ") + what + " '" + value + "'", "use one of: " + accepted);
}

}  // namespace

Materialized parse_materialized(const std::string& s) {
  static const std::pair<const char*, Materialized> table[] = {{"view", Materialized::kView},
                                                               {"table", Materialized::kTable},
                                                               {"incremental", Materialized::kIncremental},
                                                               {"ephemeral", Materialized::kEphemeral},
                                                               {"external", Materialized::kExternal}};
  return lookup(s, "materialization", table);
}

IncrementalStrategy parse_incremental_strategy(const std::string& s) {
  static const std::pair<const char*, IncrementalStrategy> table[] = {
      {"default", IncrementalStrategy::kDefault},
      {"append", IncrementalStrategy::kAppend},
      {"delete+insert", IncrementalStrategy::kDeleteInsert},
      {"merge", IncrementalStrategy::kMerge},
      {"microbatch", IncrementalStrategy::kMicrobatch}};
  return lookup(s, "incremental_strategy", table);
}

OnSchemaChange parse_on_schema_change(const std::string& s) {
  static const std::pair<const char*, OnSchemaChange> table[] = {
      {"ignore", OnSchemaChange::kIgnore},
      {"fail", OnSchemaChange::kFail},
      {"append_new_columns", OnSchemaChange::kAppendNewColumns},
      {"sync_all_columns", OnSchemaChange::kSyncAllColumns}};
  return lookup(s, "on_schema_change", table);
}

BatchSize parse_batch_size(const std::string& s) {
  static const std::pair<const char*, BatchSize> table[] = {{"hour", BatchSize::kHour},
                                                            {"day", BatchSize::kDay},
                                                            {"month", BatchSize::kMonth},
                                                            {"year", BatchSize::kYear}};
  return lookup(s, "batch_size", table);
}

}  // namespace pond::materialize
