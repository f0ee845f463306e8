#include "orchestrate/recorder.hpp"

#include <map>
#include <nlohmann/json.hpp>

namespace pond::orchestrate {

RunRecorder::RunRecorder(RunStore& store, std::string run_id, std::chrono::milliseconds flush_interval)
    : store_(store), run_id_(std::move(run_id)), interval_(flush_interval), writer_([this] { loop(); }) {}

RunRecorder::~RunRecorder() {
  stop();
}

void RunRecorder::on_start(const StepInfo& info, int index, int /*total*/) {
  StepRecord s;
  s.run_id = run_id_;
  s.step_key = info.id;
  s.resource_type = info.resource_type;
  s.status = "running";
  s.started_at = iso_utc_now();
  s.relation = info.relation;
  s.step_index = index;
  queue({info.id, [this, s = std::move(s)] { store_.record_step(s); }});
}

void RunRecorder::queue(Write write) {
  std::lock_guard lock(mutex_);
  if (!write.start_of.empty()) started_[write.start_of] = pending_.size();
  pending_.push_back(std::move(write));
}

void RunRecorder::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait_for(lock, interval_, [&] { return stopping_ || flush_asked_; });
    flush_asked_ = false;
    if (!pending_.empty()) {
      std::vector<Write> batch;
      batch.swap(pending_);
      started_.clear();
      writing_ = true;
      lock.unlock();
      std::string error;
      try {
        store_.transaction([&] {
          for (auto& w : batch)
            if (w.apply) w.apply();
        });
      } catch (const std::exception& e) {
        error = e.what();
      }
      lock.lock();
      writing_ = false;
      if (!error.empty() && error_.empty()) error_ = "run store: " + error;
      written_.notify_all();
    }
    if (stopping_ && pending_.empty()) return;
  }
}

void RunRecorder::flush() {
  std::unique_lock lock(mutex_);
  if (writer_.joinable()) {
    flush_asked_ = true;
    cv_.notify_all();
    written_.wait(lock, [&] { return pending_.empty() && !writing_; });
  }
  if (!error_.empty()) throw std::runtime_error(error_);
}

void RunRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void RunRecorder::on_finish(const StepResult& r, int /*total*/) {
  const StepInfo& info = *r.info;
  const StepOutcome& o = r.outcome;
  StepRecord s;
  s.run_id = run_id_;
  s.step_key = info.id;
  s.resource_type = info.resource_type;
  s.status = status_name(o.status);
  s.started_at = r.started_at;
  s.finished_at = r.completed_at;
  if (o.status != Status::kSkipped) {
    s.duration_ms = r.execution_time * 1000.0;
    s.thread = "Thread-" + std::to_string(r.thread);
  }
  if (o.rows) s.rows_affected = static_cast<std::int64_t>(*o.rows);
  s.failures = o.failures;
  s.message = o.message;
  s.relation = info.relation;
  s.step_index = r.index;
  s.lake_snapshot = o.lake_snapshot;

  std::optional<MaterializationRecord> m;
  bool built = o.status == Status::kSuccess || o.status == Status::kPartialSuccess;
  if (built && info.resource_type != "test" && !info.asset_key.empty()) {
    m = MaterializationRecord{};
    m->asset_key = info.asset_key;
    m->run_id = run_id_;
    m->step_key = info.id;
    m->ts = r.completed_at;
    if (o.rows) m->rows = static_cast<std::int64_t>(*o.rows);
    m->duration_ms = r.execution_time * 1000.0;
    m->snapshot_id = o.lake_snapshot;
  }
  std::optional<CheckRecord> c;
  if (info.resource_type == "test" || info.resource_type == "source") {  // a source: its freshness
    c = CheckRecord{};
    c->asset_key = info.asset_key;
    c->check_name = info.resource_type == "source" ? "freshness" : info.id;
    c->run_id = run_id_;
    c->step_key = info.id;
    c->ts = r.completed_at.empty() ? iso_utc_now() : r.completed_at;
    c->status = status_name(o.status);
    c->failures = o.failures;
    c->message = o.message;
  }
  std::optional<EventRecord> e;
  if (o.status == Status::kError || o.status == Status::kFail) {
    e = EventRecord{};
    e->run_id = run_id_;
    e->step_key = info.id;
    e->ts = iso_utc_now();
    e->level = "error";
    e->kind = "step_failure";
    e->message = o.message;
  }
  std::lock_guard lock(mutex_);
  // The step's "running" row, not yet written, is superseded by this one.
  if (auto it = started_.find(info.id); it != started_.end()) {
    pending_[it->second].apply = nullptr;
    started_.erase(it);
  }
  pending_.push_back({"", [this, s = std::move(s), m = std::move(m), c = std::move(c), e = std::move(e)] {
                        store_.record_step(s);
                        if (m) store_.record_materialization(*m);
                        if (c) store_.record_check(*c);
                        if (e) store_.record_event(*e);
                      }});
}

void RunRecorder::finish(const RunOutcome& outcome) {
  stop();
  if (!error_.empty()) throw std::runtime_error(error_);
  std::map<std::string, int> counts;
  for (const auto& r : outcome.results) ++counts[status_name(r.outcome.status)];
  nlohmann::json summary = {
      {"elapsed", outcome.elapsed}, {"counts", counts}, {"total", outcome.results.size()}};
  std::string status = outcome.cancelled ? "cancelled" : outcome.success() ? "success" : "error";
  store_.finish_run(run_id_, status, iso_utc_now(), summary.dump());
  EventRecord e;
  e.run_id = run_id_;
  e.ts = iso_utc_now();
  e.level = status == "success" ? "info" : "error";
  e.kind = "run_finish";
  e.message = status;
  e.payload_json = summary.dump();
  store_.record_event(e);
}

}  // namespace pond::orchestrate
