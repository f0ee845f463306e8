#pragma once
// Cancel from another process: `pond runs cancel ID` (or `pond backfill cancel`) records a request
// in the run store; the process running the run polls for it and turns it into a Cancellation
// request (the executor interrupts DuckDB and kills command process groups).
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "exec/cancellation.hpp"
#include "runstore/run_store.hpp"

namespace pond::orchestrate {

class CancelWatch {
 public:
  // Polls `store` (a connection of its own) every `every` while the object lives.
  CancelWatch(runstore::RunStore store, std::string run_id, exec::Cancellation& cancel,
              std::chrono::milliseconds every = std::chrono::milliseconds(200));
  ~CancelWatch();
  CancelWatch(const CancelWatch&) = delete;
  CancelWatch& operator=(const CancelWatch&) = delete;

 private:
  void loop();
  runstore::RunStore store_;
  std::string run_id_;
  exec::Cancellation& cancel_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace pond::orchestrate
