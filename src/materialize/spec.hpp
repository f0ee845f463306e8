#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "materialize/relation.hpp"

namespace pond::materialize {

class RelationCache;
class Session;
struct BatchContext;

// The small description of a node that this layer needs; the integration with the manifest
// fills it from a compiled node (docs/materialize.md).

enum class Materialized { kView, kTable, kIncremental, kEphemeral, kExternal };
// kDefault is dbt-duckdb's default: delete+insert with a unique_key, append without.
enum class IncrementalStrategy { kDefault, kAppend, kDeleteInsert, kMerge, kMicrobatch };
enum class OnSchemaChange { kIgnore, kFail, kAppendNewColumns, kSyncAllColumns };
enum class BatchSize { kHour, kDay, kMonth, kYear };

// Parsers for config strings; they throw UserError naming the accepted values.
Materialized parse_materialized(const std::string& s);
IncrementalStrategy parse_incremental_strategy(const std::string& s);
OnSchemaChange parse_on_schema_change(const std::string& s);
BatchSize parse_batch_size(const std::string& s);

// One pre_hook/post_hook statement; transaction=false runs it outside the model's transaction
// (dbt's before_begin/after_commit). With `render`, `sql` is Jinja that is rendered right before
// the hook runs, on the session that runs it (dbt renders hooks at run time, after the model).
struct Hook {
  std::string sql;
  bool transaction = true;
  std::function<std::string(Session&)> render;
};

// dbt-duckdb's external materialization: the model's rows written to files, a view over them.
struct ExternalConfig {
  std::string location;  // file or folder; default <external_root>/<identifier>.<format>
  std::string format;    // parquet | csv | json; default from location's extension, else parquet
  std::vector<std::string> partition_by;
  std::string external_root;  // default "."
};

// The window of one microbatch: [start, end), as 'YYYY-MM-DD HH:MM:SS' timestamps.
struct BatchWindow {
  std::string start;
  std::string end;
};

struct MicrobatchConfig {
  std::string event_time;                  // column of this model holding the event time
  std::optional<BatchSize> batch_size;     // required, as in dbt
  std::optional<std::string> begin;        // first batch of a full build
  int lookback = 1;                        // batches before the current one re-processed
  std::optional<bool> concurrent_batches;  // dbt 1.9's config; unset: detected
  bool references_this = false;            // the model's SQL uses {{ this }} (no concurrent batches)
  std::vector<BatchWindow> retry_batches;  // pond retry: only these (the failed ones) run
};

// persist_docs: relation and column descriptions written as COMMENT ON.
struct Docs {
  bool persist_relation = false;
  bool persist_columns = false;
  std::string description;
  std::map<std::string, std::string> column_descriptions;
};

struct ModelSpec {
  std::string unique_id;  // model.<package>.<name>
  Relation relation;
  Materialized materialized = Materialized::kView;
  std::string compiled_sql;

  std::vector<std::string> unique_key;  // one or several columns
  IncrementalStrategy strategy = IncrementalStrategy::kDefault;
  OnSchemaChange on_schema_change = OnSchemaChange::kIgnore;
  std::vector<std::string> incremental_predicates;
  std::vector<std::string> merge_update_columns;
  std::vector<std::string> merge_exclude_columns;
  std::optional<bool> full_refresh;  // the model's own full_refresh config overrides the flag

  MicrobatchConfig microbatch;
  // The model's SQL for one batch: the compiler renders it with refs/sources of upstreams that
  // have an event_time filtered to the window. When empty (no compiler, e.g. unit tests),
  // compiled_sql is filtered on the model's own event_time instead.
  std::function<std::string(const BatchWindow&)> batch_sql;

  ExternalConfig external;
  std::vector<Hook> pre_hooks;
  std::vector<Hook> post_hooks;
  Docs docs;
};

// Invocation-wide settings (flags of pond run/build).
struct RunOptions {
  bool full_refresh = false;
  std::optional<std::string> event_time_start;  // --event-time-start
  std::optional<std::string> event_time_end;    // --event-time-end
  std::optional<std::string> now;               // "current time" for microbatch/snapshots (tests)
  RelationCache* cache = nullptr;               // the run's relation cache, shared by its steps
  bool empty = false;                           // --empty: seeds create their table, load no rows
  bool store_failures = false;                  // --store-failures: for tests without the config
  const BatchContext* batch_context = nullptr;  // set per step: microbatch progress and threads
};

// One statement the layer ran, for target/run/ and debugging.
struct ExecutedStatement {
  std::string sql;
  double seconds = 0;
};

struct BatchResult {
  BatchWindow window;
  bool ok = true;
  std::string message;
  std::uint64_t rows = 0;
};

// What a materialization did.
struct MaterializeResult {
  std::uint64_t rows_affected = 0;
  std::string message = "OK";  // dbt's adapter_response._message
  std::vector<ExecutedStatement> statements;
  std::vector<BatchResult> batches;      // microbatch only
  bool partial = false;                  // microbatch: some batches failed, others committed
  std::optional<std::int64_t> snapshot;  // lake backends: the last snapshot the build committed
};

}  // namespace pond::materialize
