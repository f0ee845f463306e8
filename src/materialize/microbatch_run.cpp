#include "materialize/microbatch_run.hpp"

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "materialize/microbatch_window.hpp"

namespace pond::materialize {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool cancelled(const BatchContext* ctx) {
  return ctx && ctx->cancelled && ctx->cancelled->load();
}

[[noreturn]] void throw_interrupted() {
  throw engine::EngineError("cancelled (interrupted)", true);
}

// Hands batch events to the context one at a time (batches may finish on several threads).
class Reporter {
 public:
  Reporter(const BatchContext* ctx, BatchSize size, std::size_t total)
      : ctx_(ctx), size_(size), total_(total) {}

  void report(std::size_t i, const BatchWindow& w, const BatchResult* result, double seconds) {
    if (!ctx_ || !ctx_->on_event) return;
    BatchEvent e{i + 1, total_, &w, batch_label(w, size_), result, seconds};
    std::lock_guard lock(mutex_);
    ctx_->on_event(e);
  }

 private:
  const BatchContext* ctx_;
  BatchSize size_;
  std::size_t total_;
  std::mutex mutex_;
};

// One batch; its SQL or configuration error becomes a failed result, an interrupt propagates.
BatchResult attempt(Session& session, const BatchWindow& w, const BatchFn& one) {
  BatchResult br{w, true, "", 0};
  try {
    br.rows = one(session, w);
  } catch (const engine::EngineError& e) {
    if (e.interrupted()) throw;
    br.ok = false;
    br.message = e.what();
  } catch (const UserError& e) {
    br.ok = false;
    br.message = e.what();
  }
  return br;
}

// Runs batches [from, end) on up to max_parallel extra connections. This thread only watches
// the cancellation flag, so that Ctrl-C interrupts the statements of every batch connection.
void run_concurrently(Session& session, const BatchContext& ctx, std::size_t from, std::size_t end,
                      const std::function<void(Session&, std::size_t)>& run_one) {
  std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(ctx.max_parallel), end - from);
  std::vector<std::unique_ptr<engine::Connection>> connections;
  std::vector<std::unique_ptr<Session>> sessions;
  for (std::size_t k = 0; k < n; ++k) {
    connections.push_back(std::make_unique<engine::Connection>(*ctx.database));
    sessions.push_back(std::make_unique<Session>(*connections.back(), session.cache()));
  }
  std::atomic<std::size_t> cursor{from};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t running = n;
  std::exception_ptr error;
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < n; ++k) {
    threads.emplace_back([&, k] {
      while (!stop) {
        std::size_t i = cursor++;
        if (i >= end) break;
        try {
          run_one(*sessions[k], i);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!error) error = std::current_exception();
          stop = true;
        }
      }
      std::lock_guard lock(mutex);
      --running;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    bool interrupted = false;
    while (running > 0) {
      cv.wait_for(lock, std::chrono::milliseconds(50));
      if (!interrupted && ctx.cancelled && ctx.cancelled->load()) {
        interrupted = true;
        stop = true;
        for (auto& c : connections) c->interrupt();
      }
    }
  }
  for (auto& t : threads) t.join();
  for (auto& s : sessions)
    for (auto& st : s->log()) session.log().push_back(std::move(st));
  if (error) std::rethrow_exception(error);
  if (cancelled(&ctx)) throw_interrupted();
}

}  // namespace

std::vector<BatchWindow> model_batches(const ModelSpec& spec, const RunOptions& options, bool incremental) {
  if (spec.microbatch.event_time.empty())
    throw UserError("microbatch model '" + spec.unique_id + "' needs an 'event_time' config",
                    "set event_time to the column holding each row's event time");
  if (!spec.microbatch.batch_size)
    throw UserError("microbatch model '" + spec.unique_id + "' has no 'batch_size' config",
                    "set batch_size to one of hour, day, month, year");
  if (!spec.microbatch.retry_batches.empty()) return spec.microbatch.retry_batches;
  BatchPlanInput in;
  in.size = *spec.microbatch.batch_size;
  in.begin = spec.microbatch.begin;
  in.lookback = spec.microbatch.lookback;
  in.incremental = incremental;
  in.event_time_start = options.event_time_start;
  in.event_time_end = options.event_time_end;
  in.now = options.now ? *options.now : utc_now();
  return plan_batches(in, spec.unique_id);
}

std::string event_time_sql(const std::string& et) {
  bool plain = !et.empty() && !std::isdigit(static_cast<unsigned char>(et[0]));
  for (char c : et) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? quote_identifier(et) : et;
}

std::string window_predicate(const std::string& et, const BatchWindow& w) {
  return et + " >= TIMESTAMP " + quote_literal(w.start) + " AND " + et + " < TIMESTAMP " +
         quote_literal(w.end);
}

std::string batch_label(const BatchWindow& w, BatchSize size) {
  return size == BatchSize::kHour ? w.start : w.start.substr(0, 10);
}

bool batches_may_run_concurrently(const ModelSpec& spec) {
  if (spec.microbatch.concurrent_batches) return *spec.microbatch.concurrent_batches;
  return !spec.microbatch.references_this;
}

MaterializeResult run_batches(Session& session, const ModelSpec& spec, const RunOptions& options,
                              const std::vector<BatchWindow>& batches, bool concurrent, const BatchFn& one) {
  const BatchContext* ctx = options.batch_context;
  const BatchSize size = *spec.microbatch.batch_size;
  Reporter reporter(ctx, size, batches.size());
  std::vector<BatchResult> results(batches.size());
  auto run_one = [&](Session& s, std::size_t i) {
    reporter.report(i, batches[i], nullptr, 0);
    auto t0 = Clock::now();
    results[i] = attempt(s, batches[i], one);
    reporter.report(i, batches[i], &results[i], seconds_since(t0));
  };
  bool parallel = concurrent && ctx && ctx->database && ctx->max_parallel > 1;
  std::size_t next = 0;
  bool any_ok = false;
  // The first batch that succeeds creates (or first touches) the relation: alone.
  for (; next < batches.size() && !(parallel && any_ok); ++next) {
    if (cancelled(ctx)) throw_interrupted();
    run_one(session, next);
    any_ok = any_ok || results[next].ok;
  }
  if (next < batches.size()) run_concurrently(session, *ctx, next, batches.size(), run_one);

  MaterializeResult result;
  std::size_t failed = 0;
  std::string first_error;
  for (auto& br : results) {
    if (!br.ok) {
      ++failed;
      if (first_error.empty()) first_error = "batch " + batch_id(br.window, size) + ": " + br.message;
    }
    result.rows_affected += br.rows;
    result.batches.push_back(std::move(br));
  }
  if (failed == batches.size())
    throw engine::EngineError("all " + std::to_string(failed) +
                              " batches failed; first error: " + first_error);
  result.partial = failed > 0;
  if (failed > 0)
    result.message = std::to_string(failed) + " of " + std::to_string(batches.size()) +
                     " batches failed; first error: " + first_error;
  return result;
}

}  // namespace pond::materialize
