#include "orchestrate/ingest_step.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "engine/connection.hpp"
#include "ingest/load.hpp"
#include "materialize/lake_target.hpp"

namespace pond::orchestrate {

namespace {

// The partitions of a scope, one window each, in time order: a run over a range loads (and
// commits) them one by one.
std::vector<ingest::PartitionWindow> windows_of(const PartitionsDefinition& def,
                                                const PartitionScope& scope) {
  std::vector<ingest::PartitionWindow> out;
  const TimeWindows* t = def.time();
  if (!t) {
    ingest::PartitionWindow w;
    w.key = scope.list_key;
    w.list_key = scope.list_key;
    out.push_back(w);
    return out;
  }
  std::int64_t first = t->index_at(scope.span.start);
  if (t->tick(first) < scope.span.start) ++first;
  for (std::int64_t i = first; t->tick(i + 1) <= scope.span.end; ++i) {
    ingest::PartitionWindow w;
    w.key = def.key(scope.list_key, i);
    w.list_key = scope.list_key;
    TimeWindow window = t->window(i);
    w.start = window.start;
    w.end = window.end;
    w.start_local = t->local_text(window.start);
    w.end_local = t->local_text(window.end);
    out.push_back(w);
  }
  return out;
}

// rows, bytes, rows_per_second, bytes_per_second: the same numbers in events and metadata.
nlohmann::json progress_json(const ingest::ProgressNumbers& n) {
  return {{"rows", n.rows},
          {"bytes", n.bytes},
          {"rows_per_second", n.rows_per_second},
          {"bytes_per_second", n.bytes_per_second}};
}

// Adds a partition's load to the step's: counts summed, the last cursor and snapshot kept.
void add_load(ingest::LoadResult& total, const ingest::LoadResult& one) {
  if (!one.load_id.empty()) total.load_id = one.load_id;
  if (one.snapshot) total.snapshot = one.snapshot;
  total.rows += one.rows;
  total.rows_replaced += one.rows_replaced;
  total.bytes += one.bytes;
  total.files.insert(total.files.end(), one.files.begin(), one.files.end());
  total.files_seen += one.files_seen;
  total.pages += one.pages;
  total.requests += one.requests;
  total.retries += one.retries;
  total.records_skipped += one.records_skipped;
  if (!one.cursor.empty()) total.cursor = one.cursor;
  total.seconds += one.seconds;
}

}  // namespace

IngestStep::IngestStep(const AssetNode& asset, std::vector<std::string> depends_on, RunContext& run)
    : asset_(asset), run_(run) {
  info_.id = step_id(asset.name);
  info_.depends_on = std::move(depends_on);
  info_.kind = "ingest";
  info_.description = "ingest " + asset.name + " -> " + asset.table;
  info_.relation = asset.table;
  info_.materializes = {asset.key};
}

exec::StepOutcome IngestStep::run(exec::StepContext& ctx) {
  const ingest::ResourceConfig& r = *asset_.ingest;
  POND_ASSERT(run_.lake != nullptr, "an ingest step runs only with a lake (checked when planning)");
  ingest::LoadOptions options;
  options.project_root = run_.project_root;
  options.run_id = run_.run_id;
  options.holder = "run " + run_.run_id + " step " + info_.id;
  engine::Connection& con = ctx.connection();
  ingest::LoadResult loaded;
  // A partitioned resource loads each partition of the run's scope: one commit per partition,
  // each replacing that partition's rows (so a partition loaded again never doubles).
  std::vector<std::optional<ingest::PartitionWindow>> loads{std::nullopt};
  std::vector<std::string> partitions;
  if (asset_.partitions) {
    std::optional<PartitionScope> scope = scope_of(run_, asset_.partitions);
    if (!scope)
      throw UserError("ingest resource '" + r.name + "' is partitioned (" + asset_.partitions->name() +
                          ") but the run has no partition of it",
                      "pond materialize -s " + r.name + " --partition KEY, or pond backfill");
    loads.clear();
    for (auto& w : windows_of(*asset_.partitions, *scope)) {
      partitions.push_back(w.key);
      loads.emplace_back(std::move(w));
    }
  }
  // The numbers next to the step in the run's live line on a terminal while the source is read,
  // and in the run's events about once a second (the UI's live view); the final numbers go into
  // the step's metadata.
  ingest::LoadProgress progress(ctx.report_status, [&](const ingest::ProgressNumbers& n) {
    if (run_.event)
      run_.event({0, run_.run_id, info_.id, "", "info", "ingest_progress", ingest::LoadProgress::describe(n),
                  progress_json(n).dump()});
  });
  options.progress = &progress;
  run_.lake->with_lake([&](lake::Lake& lake) {
    for (const auto& window : loads) {
      options.partition = window;
      ingest::LoadResult one = ingest::load_resource(lake, con, r, options);
      add_load(loaded, one);
      // Files count their rows when the commit has read them; every source knows its totals now.
      progress.set_rows(loaded.rows);
      progress.set_bytes(loaded.bytes);
      if (one.snapshot)
        run_.lake->show_table(con, lake, materialize::Relation{run_.lake->database(), r.schema, r.table},
                              *one.snapshot);
    }
  });
  progress.finish();
  exec::StepOutcome out;
  exec::Materialization m;
  m.asset_key = asset_.key;
  m.rows = loaded.rows;
  m.bytes = loaded.bytes;
  m.snapshot_id = loaded.snapshot;
  nlohmann::json meta{{"files_loaded", loaded.files.size()},
                      {"files_matching", loaded.files_seen},
                      {"seconds", loaded.seconds},
                      {"write", ingest::write_name(r.write)}};
  if (!loaded.load_id.empty()) meta["load_id"] = loaded.load_id;
  if (!partitions.empty()) meta["partitions"] = partitions;
  if (loaded.rows_replaced) meta["rows_replaced"] = loaded.rows_replaced;
  if (r.source == ingest::SourceKind::kPostgres) {
    meta.erase("files_loaded");
    meta.erase("files_matching");
    meta["bytes_copied"] = loaded.bytes;
    if (!loaded.cursor.empty()) meta["cursor"] = loaded.cursor;
  }
  if (r.source == ingest::SourceKind::kRest) {
    meta.erase("files_loaded");
    meta.erase("files_matching");
    meta["pages"] = loaded.pages;
    meta["requests"] = loaded.requests;
    meta["retries"] = loaded.retries;
    if (loaded.records_skipped) meta["records_skipped"] = loaded.records_skipped;
    if (!loaded.cursor.empty()) meta["cursor"] = loaded.cursor;
  }
  if (r.source == ingest::SourceKind::kDelta) meta["delta_version"] = std::stoll(loaded.cursor);
  if (r.on_bad_record == ingest::BadRecords::kQuarantine) meta["rows_rejected"] = loaded.rows_rejected;
  if (loaded.rows_discarded) meta["rows_discarded"] = loaded.rows_discarded;
  if (loaded.values_discarded) meta["values_discarded"] = loaded.values_discarded;
  ingest::ProgressNumbers numbers;
  numbers.rows = loaded.rows;
  numbers.bytes = loaded.bytes;
  numbers.seconds = loaded.seconds;
  if (loaded.seconds > 0) {
    numbers.rows_per_second = static_cast<double>(loaded.rows) / loaded.seconds;
    numbers.bytes_per_second = static_cast<double>(loaded.bytes) / loaded.seconds;
  }
  meta.update(progress_json(numbers));
  if (r.source == ingest::SourceKind::kFiles && r.files_cursor) {
    if (loaded.records_skipped) meta["records_skipped"] = loaded.records_skipped;
    if (!loaded.cursor.empty()) meta["cursor"] = loaded.cursor;
  }
  m.metadata_json = meta.dump();
  out.materializations.push_back(m);
  out.rows = static_cast<std::uint64_t>(loaded.rows);
  out.status = exec::Status::kSuccess;
  if (r.source == ingest::SourceKind::kPostgres)
    out.message = loaded.load_id.empty() ? std::string("no new rows")
                                         : fmt::format("{} rows from PostgreSQL", loaded.rows);
  if (r.source == ingest::SourceKind::kDelta)
    out.message = loaded.load_id.empty() ? fmt::format("Delta version {} loaded before", loaded.cursor)
                                         : fmt::format("{} rows from {} file(s) of Delta version {}",
                                                       loaded.rows, loaded.files.size(), loaded.cursor);
  else if (r.source == ingest::SourceKind::kRest)
    out.message = loaded.load_id.empty() ? fmt::format("no new records ({} page(s))", loaded.pages)
                                         : fmt::format("{} rows from {} page(s)", loaded.rows, loaded.pages);
  else if (r.files_cursor)
    out.message = loaded.load_id.empty()
                      ? fmt::format("no new rows ({} file(s) read)", loaded.files_seen)
                      : fmt::format("{} rows from {} file(s)", loaded.rows, loaded.files.size());
  else
    out.message = loaded.load_id.empty()
                      ? fmt::format("no new files ({} matching, all loaded before)", loaded.files_seen)
                      : fmt::format("{} rows from {} file(s)", loaded.rows, loaded.files.size());
  if (loaded.rows_discarded || loaded.values_discarded)
    out.message += fmt::format(" (the contract discarded {} rows, {} values)", loaded.rows_discarded,
                               loaded.values_discarded);
  if (loaded.rows_rejected)
    out.message += fmt::format(" ({} rejected into {}__rejected)", loaded.rows_rejected, r.qualified_table());
  if (run_.event) run_.event({0, run_.run_id, info_.id, "", "info", "ingest", out.message, meta.dump()});
  return out;
}

}  // namespace pond::orchestrate
