#pragma once
// `pond source freshness`: one step per source table with a freshness policy. The step queries
// max(loaded_at_field) (or runs the loaded_at_query), compares its age with warn_after/error_after and keeps
// the figures that target/sources.json reports (dbt's sources.json, schema v3).
#include <optional>
#include <string>
#include <vector>

#include "exec/executor.hpp"
#include "exec/step.hpp"

namespace pond::dbt {

// warn_after / error_after: `count` `period`s (minute, hour or day).
struct FreshnessThreshold {
  long count = 0;
  std::string period;  // minute | hour | day
  double seconds() const;
};

// Parses {count: 12, period: hour}; nullopt when absent or when count is null (no check).
// Throws std::invalid_argument with a readable message on a bad period or count.
std::optional<FreshnessThreshold> parse_threshold(const std::string& json_text);

struct FreshnessSpec {
  std::string unique_id;        // source.<package>.<source>.<table>
  std::string display;          // "<source>.<table>" for progress lines
  std::string asset_key;        // "<schema>.<identifier>", as the run store keys relations
  std::string relation;         // rendered relation (or table function) to query
  std::string loaded_at_field;  // a column or SQL expression
  std::string loaded_at_query;  // dbt 1.10: a query returning the last load time (wins over the field)
  std::string filter;           // optional WHERE condition (with loaded_at_field only)
  std::optional<FreshnessThreshold> warn_after;
  std::optional<FreshnessThreshold> error_after;
  std::string criteria_json = "{}";  // warn_after/error_after/filter as sources.json shows them
};

// What the query found (for sources.json): status is pass, warn, error or runtime error.
struct FreshnessResult {
  std::string status;
  std::string max_loaded_at;  // ISO-8601 UTC
  std::string snapshotted_at;
  double age_seconds = 0;
  std::string error;  // runtime error message
};

// exec::Status mapping for the executor: pass → pass, warn → warn, error (stale) → fail, runtime
// error → error (so the run store and the summary count it as an error).
class FreshnessStep : public exec::Step {
 public:
  explicit FreshnessStep(FreshnessSpec spec);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;
  const FreshnessSpec& spec() const { return spec_; }
  // Valid after run(); empty status when the step did not run (skipped/cancelled).
  const FreshnessResult& result() const { return result_; }

  // The freshness query (dbt-duckdb's collect_freshness, or collect_freshness_custom_sql for a
  // loaded_at_query, with the age computed in SQL).
  static std::string query(const FreshnessSpec& spec);

 private:
  exec::StepOutcome run_query(exec::StepContext& ctx);
  exec::StepInfo info_;
  FreshnessSpec spec_;
  FreshnessResult result_;
};

// target/sources.json for a finished `source freshness` run.
std::string sources_json(const exec::RunOutcome& outcome, const std::vector<const FreshnessStep*>& steps,
                         const std::string& invocation_id);

}  // namespace pond::dbt
