#pragma once
// Running the batches of a microbatch model, shared by the DuckDB target (microbatch.cpp) and
// the lake target (lake_target/lake_microbatch.cpp): which batches run, per-batch failure (a
// failing batch fails alone), progress events and, when allowed, several batches at once.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::engine {
class Database;
}

namespace pond::materialize {

// A batch starting (result == nullptr) or finished.
struct BatchEvent {
  std::size_t index = 0;  // 1-based, in batch order
  std::size_t total = 0;
  const BatchWindow* window = nullptr;
  std::string label;                    // dbt's "2024-12-08" (hourly: "2024-12-08 16:00:00")
  const BatchResult* result = nullptr;  // set when finished
  double seconds = 0;
};

// What the step running a microbatch model offers besides its session. All optional.
struct BatchContext {
  std::function<void(const BatchEvent&)> on_event;  // never called by two threads at once
  int max_parallel = 1;                             // the run's threads
  const engine::Database* database = nullptr;       // extra connections for concurrent batches
  const std::atomic<bool>* cancelled = nullptr;     // the run's Ctrl-C flag
};

// The batches this invocation runs: the model's retry windows (pond retry after a partial
// success) if any, else plan_batches. Throws UserError when event_time or batch_size is missing.
std::vector<BatchWindow> model_batches(const ModelSpec& spec, const RunOptions& options, bool incremental);

// The event_time config as SQL: a plain column name is quoted, an expression used as written
// (dbt puts the config into the SQL as it is).
std::string event_time_sql(const std::string& event_time);
// `et >= TIMESTAMP 'start' AND et < TIMESTAMP 'end'`.
std::string window_predicate(const std::string& et_sql, const BatchWindow& w);
// dbt's batch description: the batch start as a date, or date and time for hourly batches.
std::string batch_label(const BatchWindow& w, BatchSize size);

// Whether the model's batches may run concurrently: its concurrent_batches config when set,
// else (dbt's detection) when its SQL does not reference {{ this }}.
bool batches_may_run_concurrently(const ModelSpec& spec);

// Writes one batch through `session` (each batch atomic on its own); returns the rows written.
// Throwing fails that batch only (an interrupt stops the model).
using BatchFn = std::function<std::uint64_t(Session& session, const BatchWindow& w)>;

// Runs `one` for every batch. Sequentially, in order, until one batch has succeeded (it creates
// the relation on a first build); then, when `concurrent` and the context allows more than one
// thread, the rest on up to max_parallel extra connections at once (their statements are
// appended to `session`'s log). Returns per-batch results with `partial` and the message set;
// throws engine::EngineError when every batch failed, or when interrupted.
MaterializeResult run_batches(Session& session, const ModelSpec& spec, const RunOptions& options,
                              const std::vector<BatchWindow>& batches, bool concurrent, const BatchFn& one);

}  // namespace pond::materialize
