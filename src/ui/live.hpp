#pragma once
// Live updates: a thread that follows the run store (written by this process's launcher and by
// any other pond process) and publishes what changed to the UI's event streams: each new event
// ("event") and a change of the recent runs' statuses ("runs").
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "http/event_stream.hpp"
#include "runstore/run_store.hpp"

namespace pond::ui {

class StoreWatcher {
 public:
  // Polls `store` (a connection of its own) every `every` while the object lives.
  StoreWatcher(runstore::RunStore store, http::Broadcaster& out,
               std::chrono::milliseconds every = std::chrono::milliseconds(250));
  ~StoreWatcher();
  StoreWatcher(const StoreWatcher&) = delete;
  // Grows whenever the watcher sees the store change (a new event, a run's status), before it
  // publishes the change: an answer computed at one generation is current until it grows.
  std::uint64_t generation() const { return generation_.load(); }
  StoreWatcher& operator=(const StoreWatcher&) = delete;

 private:
  void loop();
  void poll();
  runstore::RunStore store_;
  http::Broadcaster& out_;
  std::chrono::milliseconds every_;
  std::int64_t last_event_ = 0;
  std::string runs_digest_;
  std::atomic<std::uint64_t> generation_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace pond::ui
