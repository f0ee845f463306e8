#include "dbt/artifacts.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/file_content.hpp"
#include "common/file_write.hpp"
#include "common/time.hpp"
#include "dbt/step_details.hpp"

namespace pond::dbt {

using nlohmann::json;

namespace {

// dbt writes batch windows as Python's isoformat() of UTC datetimes: "2024-12-01T00:00:00+00:00".
json batch_list(const std::vector<std::pair<std::string, std::string>>& windows) {
  auto iso = [](std::string t) {
    if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
    return t + "+00:00";
  };
  json out = json::array();
  for (const auto& [start, end] : windows) out.push_back(json::array({iso(start), iso(end)}));
  return out;
}

json result_json(const exec::StepResult& r) {
  const exec::StepOutcome& o = r.outcome;
  static const NodeOutcome kNone;
  const NodeOutcome& d = node_outcome(o) ? *node_outcome(o) : kNone;
  bool ran = r.outcome.status != exec::Status::kSkipped;
  json timing = json::array();
  if (ran) {
    timing.push_back({{"name", "compile"}, {"started_at", r.started_at}, {"completed_at", r.started_at}});
    timing.push_back({{"name", "execute"}, {"started_at", r.started_at}, {"completed_at", r.completed_at}});
  }
  json adapter = json::object();
  if (ran && o.status != exec::Status::kError) {
    adapter["_message"] = o.rows && r.info->kind != "test" ? "OK " + std::to_string(*o.rows) : "OK";
    adapter["code"] = "OK";
    adapter["rows_affected"] = o.rows ? json(*o.rows) : json(nullptr);
  }
  json j = {{"status", exec::status_name(o.status)},
            {"timing", timing},
            {"thread_id", r.thread > 0 ? "Thread-" + std::to_string(r.thread) + " (worker)" : "main"},
            {"execution_time", r.execution_time},
            {"adapter_response", adapter},
            {"message", o.message.empty() ? json(nullptr) : json(o.message)},
            {"failures", o.failures ? json(*o.failures) : json(nullptr)},
            {"unique_id", r.info->id},
            {"compiled", !d.compiled_code.empty()},
            {"compiled_code", d.compiled_code.empty() ? json(nullptr) : json(d.compiled_code)},
            {"relation_name", r.info->relation.empty() ? json(nullptr) : json(r.info->relation)},
            {"batch_results", nullptr}};
  if (!d.batches_ok.empty() || !d.batches_failed.empty()) {
    j["batch_results"] = {{"successful", batch_list(d.batches_ok)}, {"failed", batch_list(d.batches_failed)}};
  }
  return j;
}

}  // namespace

std::filesystem::path run_sql_path(const exec::StepInfo& info) {
  if (const NodeInfo* n = node_info(info); n && !n->run_path.empty()) return n->run_path;
  std::string p = info.id;
  for (char& c : p)
    if (c == '.' || c == '/' || c == '\\') c = '/';
  return std::filesystem::path(p + ".sql");
}

std::string run_results_json(const exec::RunOutcome& outcome, const ArtifactOptions& options) {
  json results = json::array();
  for (const auto& r : outcome.results) results.push_back(result_json(r));
  json doc = {{"metadata",
               {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/run-results/v6.json"},
                {"dbt_version", options.dbt_version},
                {"generated_at", options.generated_at.empty() ? iso_utc_now() : options.generated_at},
                {"invocation_id", options.invocation_id},
                {"env", json::object()}}},
              {"results", results},
              {"elapsed_time", outcome.elapsed},
              {"args", json::parse(options.args_json.empty() ? "{}" : options.args_json)}};
  return doc.dump(2);
}

namespace {

std::string run_sql_text(const exec::StepOutcome& o) {
  std::string text;
  if (const NodeOutcome* d = node_outcome(o))
    for (const auto& sql : d->executed_sql) text += sql + ";\n\n";
  return text;
}

// Plain writes: a reader of target/run/ wants the latest SQL, not a consistent set. A file that
// already holds the text is left alone: rewriting it (truncate, new blocks, ext4's immediate
// write-back of a truncated file) costs disk writes that slow down DuckDB's own fsync'ed
// commits running at the same time, and an unchanged file keeps its modification time.
void write_plain(const std::filesystem::path& path, const std::string& text, std::set<std::string>& made,
                 std::string& buffer) {
  if (made.insert(path.parent_path().string()).second)
    std::filesystem::create_directories(path.parent_path());
  if (file_holds(path, text, buffer)) return;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

void write_artifacts(const std::filesystem::path& target_dir, const exec::RunOutcome& outcome,
                     const ArtifactOptions& options) {
  write_file_atomically(target_dir / "run_results.json", run_results_json(outcome, options));
  if (!options.run_sql) return;
  std::set<std::string> made;  // folders already created
  std::string buffer;
  for (const auto& r : outcome.results) {
    if (!node_outcome(r.outcome) || node_outcome(r.outcome)->executed_sql.empty()) continue;
    write_plain(target_dir / "run" / run_sql_path(*r.info), run_sql_text(r.outcome), made, buffer);
  }
}

RunSqlWriter::RunSqlWriter(std::filesystem::path target_dir)
    : target_dir_(std::move(target_dir)), thread_([this] { loop(); }) {}

RunSqlWriter::~RunSqlWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RunSqlWriter::on_finish(const exec::StepResult& r, int /*total*/) {
  if (!node_outcome(r.outcome) || node_outcome(r.outcome)->executed_sql.empty()) return;
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(target_dir_ / "run" / run_sql_path(*r.info), run_sql_text(r.outcome));
  }
  cv_.notify_all();
}

void RunSqlWriter::loop() {
  std::set<std::string> made;
  std::string buffer;
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    auto [path, text] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      write_plain(path, text, made, buffer);
    } catch (const std::exception& e) {
      lock.lock();
      if (error_.empty()) error_ = e.what();
      cv_.notify_all();
      continue;
    }
    lock.lock();
    cv_.notify_all();
  }
}

void RunSqlWriter::finish() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return queue_.empty(); });
  // The last file may still be in write_plain: waiting for the thread settles it.
  stopping_ = true;
  lock.unlock();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!error_.empty()) throw std::runtime_error(error_);
}

}  // namespace pond::dbt

namespace pond::dbt {

const NodeInfo* node_info(const exec::StepInfo& info) {
  return dynamic_cast<const NodeInfo*>(info.details.get());
}

const NodeOutcome* node_outcome(const exec::StepOutcome& outcome) {
  return dynamic_cast<const NodeOutcome*>(outcome.details.get());
}

std::string asset_of(const exec::StepInfo& info) {
  if (!info.materializes.empty()) return info.materializes.front();
  if (!info.checks.empty()) return info.checks.front().asset_key;
  return "";
}

}  // namespace pond::dbt
