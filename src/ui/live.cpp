#include "ui/live.hpp"

#include <nlohmann/json.hpp>

#include "common/log.hpp"

namespace pond::ui {

StoreWatcher::StoreWatcher(runstore::RunStore store, http::Broadcaster& out, std::chrono::milliseconds every)
    : store_(std::move(store)), out_(out), every_(every) {
  last_event_ = store_.last_event_id();
  thread_ = std::thread([this] { loop(); });
}

StoreWatcher::~StoreWatcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StoreWatcher::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    try {
      poll();
    } catch (const std::exception& e) {
      // A busy or briefly unreachable store (PostgreSQL restarting): try again next time.
      log::debug("ui: reading the run store for live updates: {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, every_, [&] { return stop_; });
  }
}

void StoreWatcher::poll() {
  bool any = false;
  while (true) {
    auto events = store_.events_since(last_event_, 500);
    if (!events.empty()) ++generation_;
    for (const auto& e : events) {
      nlohmann::json j{{"event_id", e.event_id}, {"run_id", e.run_id}, {"step_key", e.step_key}, {"ts", e.ts},
                       {"level", e.level},       {"kind", e.kind},     {"message", e.message}};
      out_.publish(http::Message{"event", j.dump()});
      last_event_ = e.event_id;
      any = true;
    }
    if (events.size() < 500) break;
  }
  // Statuses change without events too (queued, claimed, cancelled while queued, crashed).
  std::string digest;
  for (const auto& r : store_.recent_runs(50)) digest += r.run_id + ':' + r.status + ';';
  if (digest != runs_digest_ || any) {
    bool first = runs_digest_.empty();
    runs_digest_ = digest;
    ++generation_;
    if (!first || any) out_.publish(http::Message{"runs", "{}"});
  }
}

}  // namespace pond::ui
