#include "runstore/recorder.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "common/time.hpp"

namespace pond::runstore {

using exec::Status;
using exec::status_name;

RunRecorder::RunRecorder(RunStore& store, std::string run_id, std::chrono::milliseconds flush_interval)
    : store_(store), run_id_(std::move(run_id)), interval_(flush_interval), writer_([this] { loop(); }) {}

RunRecorder::~RunRecorder() {
  stop();
}

void RunRecorder::on_start(const exec::StepInfo& info, int index, int /*total*/) {
  StepRecord s;
  s.run_id = run_id_;
  s.step_key = info.id;
  s.resource_type = info.kind;
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
  // The heartbeat says the run's process is alive; a run without one for a while is crashed.
  constexpr auto kHeartbeatEvery = std::chrono::seconds(5);
  auto last_beat = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait_for(lock, interval_, [&] { return stopping_ || flush_asked_; });
    flush_asked_ = false;
    bool beat = std::chrono::steady_clock::now() - last_beat >= kHeartbeatEvery;
    if (!pending_.empty() || beat) {
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
          if (beat) store_.heartbeat(run_id_);
        });
        if (beat) last_beat = std::chrono::steady_clock::now();
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

void RunRecorder::on_finish(const exec::StepResult& r, int /*total*/) {
  const exec::StepInfo& info = *r.info;
  const exec::StepOutcome& o = r.outcome;
  StepRecord s;
  s.run_id = run_id_;
  s.step_key = info.id;
  s.resource_type = info.kind;
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
  for (const auto& m : o.materializations)
    if (m.snapshot_id) s.lake_snapshot = m.snapshot_id;

  const std::string ts = r.completed_at.empty() ? iso_utc_now() : r.completed_at;
  std::vector<MaterializationRecord> ms;
  for (const auto& m : o.materializations) {
    MaterializationRecord rec;
    rec.asset_key = m.asset_key;
    rec.run_id = run_id_;
    rec.step_key = info.id;
    rec.ts = ts;
    rec.partition_key = m.partition_key;
    rec.rows = m.rows;
    rec.bytes = m.bytes;
    rec.duration_ms = r.execution_time * 1000.0;
    rec.snapshot_id = m.snapshot_id;
    rec.metadata_json = m.metadata_json;
    ms.push_back(std::move(rec));
  }
  std::vector<CheckRecord> cs;
  for (const auto& c : o.checks) {
    CheckRecord rec;
    rec.asset_key = c.asset_key;
    rec.check_name = c.name;
    rec.run_id = run_id_;
    rec.step_key = info.id;
    rec.ts = ts;
    rec.status = status_name(c.status);
    rec.severity = c.severity;
    rec.failures = c.failures;
    rec.message = c.message;
    cs.push_back(std::move(rec));
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
  pending_.push_back({"", [this, s = std::move(s), ms = std::move(ms), cs = std::move(cs), e = std::move(e)] {
                        store_.record_step(s);
                        for (const auto& m : ms) store_.record_materialization(m);
                        for (const auto& c : cs) store_.record_check(c);
                        if (e) store_.record_event(*e);
                      }});
}

void RunRecorder::finish(const exec::RunOutcome& outcome) {
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

}  // namespace pond::runstore
