#include "dbt/freshness.hpp"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/time.hpp"
#include "dbt/step_details.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/result.hpp"
#include "project/dbt_version.hpp"

namespace pond::dbt {

using nlohmann::json;

double FreshnessThreshold::seconds() const {
  double unit = period == "minute" ? 60.0 : period == "hour" ? 3600.0 : 86400.0;
  return static_cast<double>(count) * unit;
}

std::optional<FreshnessThreshold> parse_threshold(const std::string& json_text) {
  json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || j.is_null()) return std::nullopt;
  if (!j.is_object()) throw std::invalid_argument("must be a mapping with count and period");
  json count = j.value("count", json());
  if (count.is_null()) return std::nullopt;
  if (!count.is_number_integer() || count.get<long>() < 0)
    throw std::invalid_argument("count must be a whole number >= 0, not " + count.dump());
  FreshnessThreshold t;
  t.count = count.get<long>();
  json period = j.value("period", json());
  if (!period.is_string()) throw std::invalid_argument("period must be minute, hour or day");
  t.period = period.get<std::string>();
  if (t.period != "minute" && t.period != "hour" && t.period != "day")
    throw std::invalid_argument("period must be minute, hour or day, not '" + t.period + "'");
  return t;
}

namespace {

// Python's datetime.isoformat() of a UTC instant: microseconds only when not zero.
std::string isoformat_utc(double epoch_seconds) {
  double whole = std::floor(epoch_seconds);
  auto micros = static_cast<long>(std::llround((epoch_seconds - whole) * 1e6));
  auto secs = static_cast<std::time_t>(whole);
  if (micros >= 1000000) {
    ++secs;
    micros -= 1000000;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (micros != 0) out += fmt::format(".{:06}", micros);
  return out + "+00:00";
}

std::string age_text(double s) {
  if (s < 120) return fmt::format("{:.0f} seconds", s);
  if (s < 7200) return fmt::format("{:.1f} minutes", s / 60);
  if (s < 172800) return fmt::format("{:.1f} hours", s / 3600);
  return fmt::format("{:.1f} days", s / 86400);
}

std::string threshold_text(const FreshnessThreshold& t) {
  return fmt::format("{} {}{}", t.count, t.period, t.count == 1 ? "" : "s");
}

}  // namespace

FreshnessStep::FreshnessStep(FreshnessSpec spec) : spec_(std::move(spec)) {
  info_.id = spec_.unique_id;
  info_.kind = "source";
  info_.description = "freshness of " + spec_.display;
  info_.checks.push_back({spec_.asset_key.empty() ? spec_.display : spec_.asset_key, "freshness"});
}

std::string FreshnessStep::query(const FreshnessSpec& spec) {
  // epoch() of a TIMESTAMP reads it as UTC (as dbt treats naive timestamps), of a TIMESTAMPTZ
  // it is the instant itself: the age needs no time zone setting.
  if (!spec.loaded_at_query.empty()) {
    // The user's query gives the last load time as its one value (a scalar subquery: more than
    // one column or row is DuckDB's error, reported as the source's runtime error).
    std::string q = spec.loaded_at_query;
    while (!q.empty() && (q.back() == ';' || std::isspace(static_cast<unsigned char>(q.back()))))
      q.pop_back();
    return "with pond_loaded_at as (\n" + q +
           "\n)\nselect epoch((select * from pond_loaded_at)) as max_loaded_at, epoch(now()) as "
           "snapshotted_at";
  }
  std::string sql = "select epoch(max(" + spec.loaded_at_field +
                    ")) as max_loaded_at, epoch(now()) as snapshotted_at\nfrom " + spec.relation;
  if (!spec.filter.empty()) sql += "\nwhere " + spec.filter;
  return sql;
}

exec::StepOutcome FreshnessStep::run(exec::StepContext& ctx) {
  exec::StepOutcome out = run_query(ctx);
  auto details = std::make_shared<NodeOutcome>();
  details->compiled_code = query(spec_);
  out.details = std::move(details);
  out.checks.push_back(
      {info_.checks.front().asset_key, "freshness", out.status, "error", std::nullopt, out.message});
  return out;
}

exec::StepOutcome FreshnessStep::run_query(exec::StepContext& ctx) {
  exec::StepOutcome out;
  try {
    engine::Result r = ctx.connection().query(query(spec_));
    auto chunk = r.next_chunk();
    if (!chunk || chunk->size() == 0) throw std::runtime_error("the freshness query returned no row");
    std::optional<double> max_at = chunk->get_optional<double>(0, 0);
    double now = chunk->get<double>(1, 0);
    result_.snapshotted_at = isoformat_utc(now);
    bool custom = !spec_.loaded_at_query.empty();
    if (!max_at && custom) {
      throw std::runtime_error("Expected a timestamp value from the loaded_at_query of source " +
                               spec_.display + " but received value 'null' (or no row)");
    }
    if (!max_at) {
      throw std::runtime_error(
          "Expected a timestamp value when querying field '" + spec_.loaded_at_field + "' of table " +
          spec_.relation + " but received value 'null'. The table is empty, or every " +
          spec_.loaded_at_field + " is null" + (spec_.filter.empty() ? "" : " where " + spec_.filter));
    }
    result_.max_loaded_at = isoformat_utc(*max_at);
    result_.age_seconds = now - *max_at;
    std::string detail = custom
                             ? fmt::format("last loaded {} ago (loaded_at_query: {})",
                                           age_text(result_.age_seconds), result_.max_loaded_at)
                             : fmt::format("last loaded {} ago (max {} = {})", age_text(result_.age_seconds),
                                           spec_.loaded_at_field, result_.max_loaded_at);
    if (spec_.error_after && result_.age_seconds > spec_.error_after->seconds()) {
      result_.status = "error";
      out.status = exec::Status::kFail;
      out.message = detail + ", more than error_after " + threshold_text(*spec_.error_after);
    } else if (spec_.warn_after && result_.age_seconds > spec_.warn_after->seconds()) {
      result_.status = "warn";
      out.status = exec::Status::kWarn;
      out.message = detail + ", more than warn_after " + threshold_text(*spec_.warn_after);
    } else {
      result_.status = "pass";
      out.status = exec::Status::kPass;
      out.message = detail;
    }
  } catch (const engine::EngineError& e) {
    result_.status = "runtime error";
    result_.error = e.interrupted() ? "cancelled (interrupted)" : e.what();
    out.status = exec::Status::kError;
    out.message = "Runtime Error in source " + spec_.display + "\n  " + result_.error;
  } catch (const std::exception& e) {
    result_.status = "runtime error";
    result_.error = e.what();
    out.status = exec::Status::kError;
    out.message = "Runtime Error in source " + spec_.display + "\n  " + result_.error;
  }
  return out;
}

std::string sources_json(const exec::RunOutcome& outcome, const std::vector<const FreshnessStep*>& steps,
                         const std::string& invocation_id) {
  json results = json::array();
  for (const exec::StepResult& r : outcome.results) {
    const FreshnessStep* step = nullptr;
    for (const FreshnessStep* s : steps)
      if (&s->info() == r.info) step = s;
    if (!step || step->result().status.empty()) continue;  // not a source, or never ran
    const FreshnessResult& f = step->result();
    if (f.status == "runtime error") {
      results.push_back({{"unique_id", r.info->id}, {"error", f.error}, {"status", f.status}});
      continue;
    }
    json timing = json::array();
    timing.push_back({{"name", "compile"}, {"started_at", r.started_at}, {"completed_at", r.started_at}});
    timing.push_back({{"name", "execute"}, {"started_at", r.started_at}, {"completed_at", r.completed_at}});
    results.push_back({{"unique_id", r.info->id},
                       {"max_loaded_at", f.max_loaded_at},
                       {"snapshotted_at", f.snapshotted_at},
                       {"max_loaded_at_time_ago_in_s", f.age_seconds},
                       {"status", f.status},
                       {"criteria", json::parse(step->spec().criteria_json)},
                       {"adapter_response", json::object()},
                       {"timing", timing},
                       {"thread_id", "Thread-" + std::to_string(r.thread) + " (worker)"},
                       {"execution_time", r.execution_time}});
  }
  json doc = {{"metadata",
               {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/sources/v3.json"},
                {"dbt_version", project::kDbtVersion},
                {"generated_at", iso_utc_now()},
                {"invocation_id", invocation_id},
                {"env", json::object()}}},
              {"results", results},
              {"elapsed_time", outcome.elapsed}};
  return doc.dump(2);
}

}  // namespace pond::dbt
