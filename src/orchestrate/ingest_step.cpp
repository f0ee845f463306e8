#include "orchestrate/ingest_step.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "engine/connection.hpp"
#include "ingest/load.hpp"
#include "materialize/lake_target.hpp"

namespace pond::orchestrate {

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
  run_.lake->with_lake([&](lake::Lake& lake) {
    loaded = ingest::load_resource(lake, con, r, options);
    if (loaded.snapshot)
      run_.lake->show_table(con, lake, materialize::Relation{run_.lake->database(), r.schema, r.table},
                            *loaded.snapshot);
  });
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
  if (loaded.seconds > 0 && loaded.rows > 0)
    meta["rows_per_second"] = static_cast<double>(loaded.rows) / loaded.seconds;
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
