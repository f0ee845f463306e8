#pragma once
// The batches of a microbatch model, computed as dbt's MicrobatchBuilder does, in plain C++ (no
// query): the compiler renders each batch's SQL from them, the materialization replaces each
// batch's rows. Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS'.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "materialize/spec.hpp"

namespace pond::materialize {

// Parses 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.fff]]' (or with 'T'), an optional trailing 'Z' or
// '+00:00'; returns the canonical 'YYYY-MM-DD HH:MM:SS'. Throws UserError naming `what` (e.g.
// "--event-time-start") on anything else or on a non-UTC offset.
std::string normalize_timestamp(std::string_view text, std::string_view what);

// The current time, UTC, as 'YYYY-MM-DD HH:MM:SS'.
std::string utc_now();

// Start of the batch `ts` falls in (dbt's truncate_timestamp), and the end of its batch unless
// `ts` already starts one (ceiling_timestamp).
std::string truncate_timestamp(std::string_view ts, BatchSize size);
std::string ceiling_timestamp(std::string_view ts, BatchSize size);
// `ts` truncated, then moved by `offset` batches (dbt's offset_timestamp).
std::string offset_timestamp(std::string_view ts, BatchSize size, int offset);

// What decides a model's batches in one invocation.
struct BatchPlanInput {
  BatchSize size = BatchSize::kDay;
  std::optional<std::string> begin;  // the model's begin config
  int lookback = 1;
  bool incremental = false;                     // the relation exists as a table, no full refresh
  std::optional<std::string> event_time_start;  // --event-time-start
  std::optional<std::string> event_time_end;    // --event-time-end
  std::string now;                              // 'YYYY-MM-DD HH:MM:SS' UTC
};

// dbt's batches: end = ceiling(--event-time-end or now); start = truncate(--event-time-start),
// else on a first build truncate(begin), else end minus lookback batches (plus the batch `end`
// closes). Every batch is one batch_size wide; there is at least one. Throws UserError when
// begin is missing on a first build or start is not before end.
std::vector<BatchWindow> plan_batches(const BatchPlanInput& in, std::string_view model);

// dbt's batch id: the batch start as '20240917' (day), '2024091716' (hour), '202409', '2024'.
std::string batch_id(const BatchWindow& w, BatchSize size);

}  // namespace pond::materialize
