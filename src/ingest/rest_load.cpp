// A load of a `from: rest` resource: the pages are fetched first (nothing is written while the
// API is read), their records land in a JSON-lines file in the temporary folder, and that file
// is loaded like any JSON-lines file (dispositions, schema evolution, the load's columns). The
// highest cursor value goes into `_pond_load_cursors` in the same commit as the rows.
#include <chrono>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "ingest/bad_input.hpp"
#include "ingest/load_internal.hpp"
#include "ingest/rest_fetch.hpp"
#include "ingest/temp_file.hpp"

namespace pond::ingest {

LoadResult load_rest(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                     const LoadOptions& o) {
  auto started = std::chrono::steady_clock::now();
  LoadResult result;
  const std::string table = r.qualified_table();
  std::optional<nlohmann::json> last;
  if (const auto& inc = r.rest.incremental)
    if (auto text = last_cursor(lake, con, r.schema, r.name, table, inc->cursor)) {
      last = nlohmann::json::parse(*text, nullptr, false);
      if (last->is_discarded())
        throw UserError(
            "ingest resource '" + r.name + "': the cursor value in " + r.schema + "." + kLoadCursorsTable +
                " is not JSON: " + *text,
            "delete the resource's rows of that table to start again from initial:", ExitCode::kStepFailed);
    }
  TempFile records("pond-rest-", ".jsonl");
  // A partitioned resource asks for its partition's window (`window:` parameters).
  ResourceConfig windowed = r;
  if (o.partition && r.rest.window)
    for (auto& param : rest_window_params(*r.rest.window, *o.partition))
      windowed.rest.params.push_back(param);
  RestFetch fetched = fetch_rest(windowed, last, records.path(), o.progress);
  result.pages = fetched.pages;
  result.requests = fetched.requests;
  result.retries = fetched.retries;
  result.records_skipped = fetched.skipped;
  result.bytes = fetched.bytes;
  auto done = [&] {
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  if (fetched.records == 0) {
    commit_empty_partition(lake, con, r, o, result);
    done();
    log::info("ingest {}: no new records ({} page(s))", r.name, fetched.pages);
    return result;
  }

  ResourceConfig reader = r;
  reader.format = FileFormat::kJsonLines;
  reader.compression = Compression::kNone;
  SourceFile file;
  file.path = records.path().string();
  file.full = records.path();
  CommitPlan plan;
  plan.resource = &r;
  plan.reader = &reader;
  plan.files = {file};
  plan.record.load_id = random_uuid();
  plan.record.resource = r.name;
  plan.record.table = table;
  plan.record.run_id = o.run_id;
  plan.record.loaded_at = sql_utc_now();
  plan.record.write = write_name(r.write);
  plan.record_sources.pages = fetched.page_starts;
  if (o.partition) plan.record.partition = o.partition->key;
  if (r.rest.incremental && fetched.max_cursor) {
    result.cursor = fetched.max_cursor->dump();
    lake::TableWrite cursor;
    cursor.table = r.schema + "." + kLoadCursorsTable;
    cursor.select_sql = load_cursor_sql(plan.record, r.rest.incremental->cursor, result.cursor);
    plan.bookkeeping.push_back(std::move(cursor));
  }
  plan.read_failed = [&](const std::string& failure) {
    throw UserError("ingest resource '" + r.name + "': reading the records of " +
                        std::to_string(fetched.pages) + " page(s): " + short_engine_message(failure),
                    "the records' fields must keep one type across pages (or cast them with columns:)",
                    ExitCode::kStepFailed);
  };
  commit_into(lake, con, std::move(plan), result);
  done();
  log::info("ingest {}: {} rows from {} page(s) into {}{} (snapshot {}, {:.2f}s)", r.name, result.rows,
            fetched.pages, table, rejected_note(result, table), *result.snapshot, result.seconds);
  return result;
}

}  // namespace pond::ingest
