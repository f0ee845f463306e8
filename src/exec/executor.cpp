#include "exec/executor.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "common/error.hpp"
#include "common/time.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"

namespace pond::exec {

const char* status_name(Status s) {
  switch (s) {
    case Status::kSuccess:
      return "success";
    case Status::kPass:
      return "pass";
    case Status::kWarn:
      return "warn";
    case Status::kFail:
      return "fail";
    case Status::kError:
      return "error";
    case Status::kSkipped:
      return "skipped";
    case Status::kPartialSuccess:
      return "partial success";
  }
  return "error";
}

bool blocks_descendants(Status s) {
  return s == Status::kError || s == Status::kFail || s == Status::kSkipped || s == Status::kPartialSuccess;
}

bool RunOutcome::success() const {
  if (cancelled) return false;
  for (const auto& r : results) {
    if (r.outcome.status == Status::kError || r.outcome.status == Status::kFail ||
        r.outcome.status == Status::kPartialSuccess)
      return false;
  }
  return true;
}

Executor::Executor(const engine::Database* db, ExecutorOptions options) : db_(db), options_(options) {
  if (options_.threads < 1) options_.threads = 1;
  pool_.resize(static_cast<std::size_t>(options_.threads));
  busy_.assign(pool_.size(), 0);
}

engine::Connection& StepContext::connection() {
  POND_ASSERT(database_ != nullptr && lend_,
              "a step asked for a DuckDB connection in a run without a database");
  return lend_();
}

Materialization materialized(const StepInfo& info, std::optional<std::int64_t> rows,
                             std::optional<std::int64_t> snapshot_id) {
  Materialization m;
  if (!info.materializes.empty()) m.asset_key = info.materializes.front();
  m.rows = rows;
  m.snapshot_id = snapshot_id;
  return m;
}

Executor::~Executor() = default;

void Executor::interrupt_running() {
  for (std::size_t i = 0; i < pool_.size(); ++i) {
    if (busy_[i] && pool_[i]) pool_[i]->interrupt();
  }
}

void Executor::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  interrupt_running();
}

namespace {

// The shared state of one run, guarded by the executor's mutex.
struct RunState {
  const std::vector<Step*>& steps;
  std::vector<int> waiting;  // unfinished parents per step
  std::vector<std::vector<int>> children;
  std::vector<char> done;
  std::set<int> ready;                 // in the order given
  std::map<std::string, int> in_pool;  // running steps per pool
  std::size_t finished = 0;
  int next_index = 0;
  bool stop = false;  // fail-fast or cancel: start nothing new
  RunOutcome outcome;
};

}  // namespace

RunOutcome Executor::run(const std::vector<Step*>& steps, ExecutorListener* listener) {
  auto t0 = std::chrono::steady_clock::now();
  cancelled_ = false;
  const int total = static_cast<int>(steps.size());
  RunState st{steps,
              std::vector<int>(steps.size(), 0),
              std::vector<std::vector<int>>(steps.size()),
              std::vector<char>(steps.size(), 0),
              {},
              {},
              0,
              0,
              false,
              {}};
  std::unordered_map<std::string, int> by_id;
  for (int i = 0; i < total; ++i) by_id.emplace(steps[i]->info().id, i);
  for (int i = 0; i < total; ++i) {
    for (const auto& dep : steps[i]->info().depends_on) {
      auto it = by_id.find(dep);
      if (it == by_id.end() || it->second == i) continue;  // not part of this run
      st.children[it->second].push_back(i);
      ++st.waiting[i];
    }
  }
  // Cycle check (Kahn): every step must be reachable from the roots.
  {
    std::vector<int> w = st.waiting;
    std::vector<int> queue;
    for (int i = 0; i < total; ++i)
      if (w[i] == 0) queue.push_back(i);
    std::size_t seen = 0;
    while (seen < queue.size()) {
      for (int c : st.children[queue[seen++]])
        if (--w[c] == 0) queue.push_back(c);
    }
    if (static_cast<int>(queue.size()) != total)
      throw std::invalid_argument("the steps' dependencies form a cycle");
  }
  for (int i = 0; i < total; ++i)
    if (st.waiting[i] == 0) st.ready.insert(i);
  // The first ready step whose pool has room, or -1.
  auto startable = [&]() -> int {
    for (int i : st.ready) {
      const std::string& pool = steps[i]->info().pool;
      auto limit = pool.empty() ? options_.pool_limits.end() : options_.pool_limits.find(pool);
      if (limit == options_.pool_limits.end() || st.in_pool[pool] < limit->second) return i;
    }
    return -1;
  };

  std::condition_variable cv;
  // Listeners are called outside the scheduling lock (a run store write must not hold up the
  // other workers) but one at a time, under their own lock. `results` never reallocates, so a
  // result can be read while other workers append theirs.
  std::mutex listener_mutex;
  st.outcome.results.reserve(steps.size());

  // Marks step i (and, transitively, its descendants) skipped; their results' positions go to
  // `emit`. Caller holds the scheduling lock.
  std::function<void(int, const std::string&, std::vector<std::size_t>&)> skip =
      [&](int i, const std::string& why, std::vector<std::size_t>& emit) {
        if (st.done[i]) return;
        st.done[i] = 1;
        ++st.finished;
        StepResult r;
        r.info = &steps[i]->info();
        r.outcome.status = Status::kSkipped;
        r.outcome.message = why;
        r.index = ++st.next_index;
        emit.push_back(st.outcome.results.size());
        st.outcome.results.push_back(std::move(r));
        for (int c : st.children[i]) skip(c, why, emit);
      };
  auto emit_finished = [&](const std::vector<std::size_t>& which) {
    if (!listener || which.empty()) return;
    std::lock_guard guard(listener_mutex);
    for (std::size_t k : which) listener->on_finish(st.outcome.results[k], total);
  };

  auto worker = [&](int slot) {
    std::unique_lock lock(mutex_);
    while (true) {
      cv.wait(lock, [&] { return st.finished == steps.size() || st.stop || cancelled_ || startable() >= 0; });
      if (cancelled_ || st.stop || st.finished == steps.size()) break;
      int i = startable();
      st.ready.erase(i);
      Step& step = *steps[i];
      const std::string& pool = step.info().pool;
      if (!pool.empty()) ++st.in_pool[pool];
      int index = ++st.next_index;
      busy_[slot] = 1;
      lock.unlock();
      if (listener) {
        std::lock_guard guard(listener_mutex);
        listener->on_start(step.info(), index, total);
      }

      StepResult r;
      r.info = &step.info();
      r.index = index;
      r.thread = slot + 1;
      r.started_at = iso_utc_now();
      auto s0 = std::chrono::steady_clock::now();
      auto lend = [this, slot]() -> engine::Connection& {
        std::lock_guard guard(mutex_);  // cancel() reads the pool under the same lock
        auto& c = pool_[static_cast<std::size_t>(slot)];
        if (!c) c = std::make_unique<engine::Connection>(*db_);
        return *c;
      };
      StepContext ctx(db_, db_ ? std::function<engine::Connection&()>(lend) : nullptr, slot + 1, cancelled_,
                      options_.threads);
      ctx.run_id = options_.run_id;
      if (listener) {
        ctx.report_part = [&, info = &step.info()](const PartProgress& p) {
          std::lock_guard guard(listener_mutex);
          listener->on_part(*info, p);
        };
        ctx.report_status = [&, info = &step.info()](const std::string& status) {
          std::lock_guard guard(listener_mutex);
          listener->on_status(*info, status);
        };
      }
      try {
        r.outcome = step.run(ctx);
      } catch (const engine::EngineError& e) {
        r.outcome.status = Status::kError;
        r.outcome.message = e.interrupted() ? "cancelled (interrupted)" : e.what();
      } catch (const std::exception& e) {
        r.outcome.status = Status::kError;
        r.outcome.message = e.what();
      }
      r.execution_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
      r.completed_at = iso_utc_now();

      lock.lock();
      busy_[slot] = 0;
      if (!pool.empty()) --st.in_pool[pool];
      st.done[i] = 1;
      ++st.finished;
      Status status = r.outcome.status;
      std::vector<std::size_t> emit{st.outcome.results.size()};
      st.outcome.results.push_back(std::move(r));
      if (blocks_descendants(status)) {
        for (int c : st.children[i])
          skip(c, "skipped because " + step.info().id + " " + status_name(status), emit);
        if (options_.fail_fast && (status == Status::kError || status == Status::kFail)) {
          st.stop = true;
          st.outcome.fail_fast_triggered = true;
          interrupt_running();
        }
      } else {
        for (int c : st.children[i])
          if (--st.waiting[c] == 0 && !st.done[c]) st.ready.insert(c);
      }
      cv.notify_all();
      lock.unlock();
      emit_finished(emit);
      lock.lock();
    }
    cv.notify_all();
  };

  std::vector<std::thread> threads;
  int n = std::min<int>(options_.threads, std::max(total, 1));
  for (int t = 1; t < n; ++t) threads.emplace_back(worker, t);
  worker(0);
  for (auto& t : threads) t.join();

  std::unique_lock lock(mutex_);
  st.outcome.cancelled = cancelled_;
  std::vector<std::size_t> emit;
  for (int i = 0; i < total; ++i) {
    if (!st.done[i])
      skip(i, cancelled_ ? "skipped: the run was cancelled" : "skipped: --fail-fast stopped the run", emit);
  }
  lock.unlock();
  emit_finished(emit);
  st.outcome.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::move(st.outcome);
}

}  // namespace pond::exec
