// pond.yml `ingest:` resources with `partitions:` (docs/ingest.md "Partitioned resources"): the
// definition's name, how the partition reaches the source (`window:` of REST and PostgreSQL,
// `{partition}`/`{date}` in a files path), and the dispositions a partition allows. The checks
// that need the definition (a time window or a list of keys) run once every section is read.
#include "ingest/resource.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/config_reader_internal.hpp"

namespace pond::orchestrate {

using ingest::SourceKind;
using ingest::WriteDisposition;

void read_ingest_partitions(const Reader& r, const YamlNode& n, ingest::ResourceConfig& res) {
  const YamlNode& window = n["window"];
  if (!n["partitions"]) {
    if (window)
      r.fail(window, "'window:' belongs to a partitioned resource",
             "add partitions: NAME (a definition of partitions:)");
    if (res.source == SourceKind::kFiles && ingest::path_has_partition(res.path))
      r.fail(n["path"],
             "'path:' names {partition} or {date}, but ingest resource '" + res.name + "' has no partitions",
             "add partitions: NAME (a definition of partitions:)");
    return;
  }
  const YamlNode& p = n["partitions"];
  res.partitions = r.name(p, "'partitions:'");
  res.partitions_where = r.where(p);
  const std::string who = "ingest resource '" + res.name + "' is partitioned";
  if (res.source == SourceKind::kDelta)
    r.fail(p, who + ", but a Delta table is read whole at a version", "remove partitions:");
  // Each run replaces its partition's rows (what makes a backfill idempotent); merge upserts by key.
  if (!n["write"]) res.write = WriteDisposition::kReplace;
  if (res.write == WriteDisposition::kAppend || res.write == WriteDisposition::kScd2)
    r.fail(n["write"],
           who + ": each load replaces its partition's rows (write: replace) or upserts them (write: merge)",
           "remove 'write: " + std::string(ingest::write_name(res.write)) + "'");
  if (res.source == SourceKind::kFiles) {
    if (n["incremental"])
      r.fail(n["incremental"], who + ": each load reads its partition's files whole",
             "remove 'incremental:'");
    res.incremental = ingest::Incremental::kNone;
    if (!ingest::path_has_partition(res.path))
      r.fail(
          n["path"], who + ": 'path:' must name its partition's files",
          "put {partition} (the key) or {date} (the window's date) in it, e.g. landing/events/{date}/*.csv");
    if (window)
      r.fail(window, "'window:' belongs to REST and PostgreSQL resources; a files path takes {partition}");
    return;
  }
  if (n["incremental"])
    r.fail(n["incremental"], who + ": the partition's window says what a load reads, not a cursor",
           "remove 'incremental:' (or 'partitions:')");
  if (!window || !window.is_map())
    r.fail(window ? window : p, who + ": 'window:' says how the partition reaches the source",
           res.source == SourceKind::kRest ? "e.g. window: {since: start_date, until: end_date, format: date}"
                                           : "e.g. window: {column: created_at}");
  if (res.source == SourceKind::kRest) {
    r.keys(window, "'window:'", {"since", "until", "key", "format"});
    ingest::RestWindow w;
    if (const auto& v = window["since"]) w.since_param = r.name(v, "'window: since:'");
    if (const auto& v = window["until"]) w.until_param = r.name(v, "'window: until:'");
    if (const auto& v = window["key"]) w.key_param = r.name(v, "'window: key:'");
    if (const auto& v = window["format"]) {
      std::string f = r.str(v, "'window: format:'");
      if (f == "iso8601")
        w.format = ingest::WindowFormat::kIso8601;
      else if (f == "date")
        w.format = ingest::WindowFormat::kDate;
      else if (f == "unix")
        w.format = ingest::WindowFormat::kUnix;
      else if (f == "unix_ms")
        w.format = ingest::WindowFormat::kUnixMs;
      else
        r.fail(v, "'window: format:' must be iso8601, date, unix or unix_ms, not '" + f + "'");
    }
    if (w.since_param.empty() && w.until_param.empty() && w.key_param.empty())
      r.fail(window, "'window:' names at least one query parameter (since:, until: or key:)");
    res.rest.window = w;
    return;
  }
  r.keys(window, "'window:'", {"column", "key_column"});
  if (!window["column"]) r.fail(window, "'window:' needs 'column:' (the column holding the partition)");
  res.postgres.window_column = r.name(window["column"], "'window: column:'");
  if (const auto& v = window["key_column"])
    res.postgres.window_key_column = r.name(v, "'window: key_column:'");
}

void check_ingest_partitions(const PondConfig& c) {
  for (const auto& res : c.ingest) {
    const PartitionsConfig* def = res.partitions.empty() ? nullptr : c.find_partitions(res.partitions);
    if (!def) continue;  // unknown names are reported with the other references
    auto is_time = [](const PartitionsConfig& d) {
      return d.type != PartitionsConfig::Type::kStatic && d.type != PartitionsConfig::Type::kDynamic;
    };
    bool time = false, list = false;
    if (def->type == PartitionsConfig::Type::kMulti) {
      for (const auto& [dim, name] : def->dimensions)
        if (const PartitionsConfig* d = c.find_partitions(name)) (is_time(*d) ? time : list) = true;
    } else {
      (is_time(*def) ? time : list) = true;
    }
    const std::string who = "ingest resource '" + res.name + "' (partitions '" + def->name + "')";
    auto fail = [&](const std::string& msg, const std::string& hint) {
      throw UserError(res.partitions_where, who + ": " + msg, hint);
    };
    if (res.source == SourceKind::kRest && res.rest.window) {
      const ingest::RestWindow& w = *res.rest.window;
      if (time && w.since_param.empty() && w.until_param.empty())
        fail("the partitions are time windows, but 'window:' names no since: or until: parameter",
             "e.g. window: {since: start_date, until: end_date}");
      if (!time && (!w.since_param.empty() || !w.until_param.empty()))
        fail("the partitions have no time window for since:/until:",
             "send the key with window: {key: PARAM}");
      if (list && w.key_param.empty())
        fail("'window:' must send the partition's key", "add key: PARAM to window:");
    }
    if (res.source == SourceKind::kPostgres && time && list && res.postgres.window_key_column.empty())
      fail("two dimensions: 'window:' needs key_column: for the list dimension",
           "window: {column: TIME_COLUMN, key_column: KEY_COLUMN}");
    if (res.source == SourceKind::kPostgres && !time && !res.postgres.window_key_column.empty())
      fail("'window: key_column:' belongs to two-dimensional partitions",
           "the key's column is window: {column: ...}");
    if (res.source == SourceKind::kFiles && !time && res.path.find("{date}") != std::string::npos)
      fail("the partitions have no time window for {date} in path:", "use {partition}");
  }
}

}  // namespace pond::orchestrate
