#include "automation/sensor_evaluator.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <set>

#include "automation/command_sensor.hpp"
#include "automation/schedule_evaluator.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "dbt/target.hpp"
#include "lake/lake.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/run_request.hpp"
#include "orchestrate/select.hpp"
#include "storage/file_system.hpp"

namespace pond::automation {

namespace {

// The runs a sensor queues: what `pond materialize -s ... --submit` would queue.
std::vector<runstore::QueuedRun> runs_of(orchestrate::Workspace& ws, const orchestrate::SensorConfig& s,
                                         EpochSeconds now) {
  orchestrate::MaterializeOptions o;
  o.select = s.select;
  o.exclude = s.exclude;
  o.tags = {{"pond/sensor", s.name}};
  std::vector<runstore::QueuedRun> runs;
  for (orchestrate::RunRequest& r : orchestrate::plan_materialize(ws, o, now)) {
    r.run_id = random_uuid();
    r.trigger = "sensor";
    runs.push_back({orchestrate::request_record(ws, r), r.tags});
  }
  return runs;
}

// Records a failed evaluation, unless the last one failed the same way (a missing folder is
// reported once, not every interval).
void record_failure(runstore::RunStore& store, const std::string& source, EpochSeconds now,
                    const std::string& reason, std::ostream& out) {
  auto last = store.recent_ticks(source, 1);
  if (!last.empty() && last[0].status == "failed" && last[0].reason == reason) return;
  if (store.record_tick({source, now, "failed", {}, reason, ""}, {}, std::nullopt))
    out << "Sensor " << source.substr(7) << ": failed: " << reason << std::endl;
}

// Queues the runs of an evaluation that found something; a selection that cannot run fails it.
bool submit(orchestrate::Workspace& ws, const orchestrate::SensorConfig& s, EpochSeconds now,
            const std::string& reason, const std::optional<std::string>& cursor,
            const std::vector<runstore::SensorFile>& seen, std::ostream& out) {
  runstore::RunStore& store = ws.store();
  const std::string source = sensor_source(s.name);
  std::vector<runstore::QueuedRun> runs;
  try {
    runs = runs_of(ws, s, now);
  } catch (const UserError& e) {
    record_failure(store, source, now, e.message(), out);
    return false;
  }
  if (!store.record_tick({source, now, "submitted", {}, reason, ""}, runs, cursor, seen)) return false;
  out << "Sensor " << s.name << ": submitted";
  for (const auto& q : runs) out << " run " << q.run.run_id;
  out << " (" << reason << ")" << std::endl;
  return true;
}

// The files under a sensor's `path:` (a project folder, or s3://bucket/prefix with the
// target's lake `s3:` settings), through storage::FileSystem as ingestion reads them.
std::unique_ptr<storage::FileSystem> sensor_files_of(orchestrate::Workspace& ws,
                                                     const orchestrate::SensorConfig& s) {
  if (!s.path.starts_with("s3://")) return std::make_unique<storage::LocalFileSystem>(ws.root());
  const project::TargetConfig& target = ws.project().resolved.target;
  lake::LakeConfig config;
  if (target.lake) config = dbt::lake_config(target);
  config.base_dir = ws.root();
  return lake::open_store(config, s.path.ends_with('/') ? s.path : s.path + "/");
}

// The files a local sensor's watch says to look at again, or nullopt when the folder must be
// listed whole (no watch yet, the watch asked for it, the safety interval passed, the files it
// saw are not in memory). Before a full listing the watch is opened anew, so that a change made
// while listing is seen by the next tick.
std::optional<std::vector<storage::FileEntry>> watched_changes(storage::FileSystem& files,
                                                               const std::filesystem::path& folder,
                                                               const std::string& relative,
                                                               const orchestrate::SensorConfig& s,
                                                               SensorMemory& memory) {
  const std::string source = sensor_source(s.name);
  SensorWatch& sw = memory.watches[source];
  const auto now = std::chrono::steady_clock::now();
  if (sw.watch && sw.watch->folder() == folder && now - sw.listed_at < kFullListingEvery &&
      memory.files.contains(source)) {
    storage::FolderChanges changes = sw.watch->drain();
    if (!changes.relist) {
      std::vector<storage::FileEntry> out;
      for (const std::string& path : changes.paths)
        if (auto e = files.stat(relative + "/" + path)) {  // a file gone since is left out, as a listing does
          e->relative_path = path;
          out.push_back(std::move(*e));
        }
      return out;
    }
  }
  sw.watch.reset();
  std::string why;
  sw.watch = storage::FolderWatch::open(folder, &why);
  std::error_code ec;
  if (!sw.watch && why != sw.why && std::filesystem::is_directory(folder, ec))
    log::warn("sensor {}: no change notification on '{}' ({}); the folder is listed on every tick", s.name,
              s.path, why);
  sw.why = why;
  sw.listed_at = now;
  return std::nullopt;
}

bool evaluate_files(orchestrate::Workspace& ws, const orchestrate::SensorConfig& s, EpochSeconds now,
                    std::ostream& out, SensorMemory* memory) {
  runstore::RunStore& store = ws.store();
  const std::string source = sensor_source(s.name);
  std::vector<storage::FileEntry> listed;
  try {
    auto files = sensor_files_of(ws, s);
    const std::string folder = files->is_local() ? s.path : "";
    std::optional<std::vector<storage::FileEntry>> watched;
    if (memory && files->is_local())
      watched = watched_changes(*files, ws.root() / s.path, folder, s, *memory);
    if (watched) {
      listed = std::move(*watched);
    } else {
      if (files->is_local() && !files->folder_exists(folder)) {
        record_failure(store, source, now,
                       "path '" + s.path + "' is not a folder (under " + ws.root().string() + ")", out);
        return false;
      }
      const auto started = std::chrono::steady_clock::now();
      listed = files->list(folder);
      // A listing is not interrupted (a hung S3 request ends by the client's own timeouts), but
      // one that took longer than the sensor's timeout fails the evaluation: what it saw may be
      // stale.
      const auto took = std::chrono::steady_clock::now() - started;
      if (took > s.timeout) {
        if (memory) memory->watches.erase(source);  // list again next time
        record_failure(
            store, source, now,
            fmt::format("listing '{}' took {:.1f} s, more than the sensor's timeout ({:g} s); nothing was "
                        "queued",
                        s.path, std::chrono::duration<double>(took).count(),
                        static_cast<double>(s.timeout.count()) / 1000.0),
            out);
        return false;
      }
    }
  } catch (const std::exception& e) {
    // A store that cannot be reached, wrong credentials, a missing bucket: the message names the
    // endpoint, bucket and key (never a secret).
    if (memory) memory->watches.erase(source);
    record_failure(store, source, now, "cannot list '" + s.path + "': " + e.what(), out);
    return false;
  }
  std::map<std::string, runstore::SensorFile> loaded;
  std::map<std::string, runstore::SensorFile>* known = &loaded;
  if (memory) {
    auto it = memory->files.find(source);
    if (it == memory->files.end()) it = memory->files.emplace(source, store.sensor_files(source)).first;
    known = &it->second;
  } else {
    loaded = store.sensor_files(source);
  }
  std::vector<runstore::SensorFile> changed;
  for (const storage::FileEntry& e : listed) {
    if (::fnmatch(s.glob.c_str(), e.relative_path.c_str(), 0) != 0) continue;
    runstore::SensorFile f{
        e.relative_path,
        std::chrono::duration_cast<std::chrono::nanoseconds>(e.modified.time_since_epoch()).count(),
        static_cast<std::int64_t>(e.size), e.etag};
    auto k = known->find(f.path);
    // An object is changed when its ETag is (a copy onto itself gets a new time, not new
    // content); a local file when its time or size is.
    bool same =
        k != known->end() && (f.etag.empty() ? k->second.mtime_ns == f.mtime_ns && k->second.size == f.size
                                             : k->second.etag == f.etag);
    if (!same) changed.push_back(std::move(f));
  }
  if (changed.empty()) return false;
  std::sort(changed.begin(), changed.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::string reason = std::to_string(changed.size()) + " new or changed file(s): ";
  for (std::size_t k = 0; k < changed.size() && k < 5; ++k) reason += (k ? ", " : "") + changed[k].path;
  if (changed.size() > 5) reason += ", ...";
  if (!submit(ws, s, now, reason, std::nullopt, changed, out)) {
    if (memory) memory->files.erase(source);  // read what the store has next time
    return false;
  }
  for (auto& f : changed) (*known)[f.path] = f;
  return true;
}

bool evaluate_asset(orchestrate::Workspace& ws, const orchestrate::SensorConfig& s, EpochSeconds now,
                    std::ostream& out) {
  runstore::RunStore& store = ws.store();
  const std::string source = sensor_source(s.name);
  const std::string key = ws.graph().node(*ws.graph().find(s.asset)).key;
  auto latest = store.materializations_of(key, 1);
  std::string seen = latest.empty() ? "" : latest[0].ts;
  std::optional<std::string> cursor = store.automation_state(source).cursor;
  if (!cursor) {
    // First evaluation: materializations from now on trigger it.
    store.set_automation_cursor(source, seen);
    return false;
  }
  if (seen.empty() || seen <= *cursor) return false;
  return submit(ws, s, now, s.asset + " materialized at " + seen + " by run " + latest[0].run_id.substr(0, 8),
                seen, {}, out);
}

// Runs that finished with the sensor's status since its cursor (their finish time), of the
// watched assets; the sensor's own runs do not count (a failing reaction would trigger itself).
bool evaluate_run_status(orchestrate::Workspace& ws, const orchestrate::SensorConfig& s, EpochSeconds now,
                         std::ostream& out) {
  runstore::RunStore& store = ws.store();
  const std::string source = sensor_source(s.name);
  std::optional<std::string> cursor = store.automation_state(source).cursor;
  if (!cursor) {
    // First evaluation: runs finishing from now on trigger it.
    store.set_automation_cursor(source, iso_utc_now());
    return false;
  }
  std::set<std::string> watched;
  const auto& g = ws.graph();
  if (!s.watch.empty())
    for (std::size_t i : orchestrate::select_assets(g, s.watch, {})) watched.insert(g.node(i).key);
  std::string newest = *cursor;
  std::vector<std::string> matched;
  auto runs = store.recent_runs(500);
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // oldest first
    const auto& run = *it;
    if (run.finished_at.empty() || run.finished_at <= *cursor) continue;
    newest = std::max(newest, run.finished_at);
    const bool failed = run.status == "error" || run.status == "crashed";
    if (s.run_status == "failure" ? !failed : run.status != "success") continue;
    if (store.run_tags(run.run_id).count("pond/sensor") &&
        store.run_tags(run.run_id).at("pond/sensor") == s.name)
      continue;
    if (!watched.empty()) {
      bool hit = false;
      for (const auto& t : store.run_targets(run.run_id)) hit = hit || watched.count(t.asset_key) > 0;
      if (!hit) continue;
    }
    matched.push_back(run.run_id.substr(0, 8) + " (" + run.command +
                      (run.selection.empty() ? "" : " " + run.selection) + ": " + run.status + ")");
  }
  if (matched.empty()) {
    if (newest != *cursor) store.set_automation_cursor(source, newest);
    return false;
  }
  std::string reason = std::to_string(matched.size()) + " run(s) finished " + s.run_status + ": ";
  for (std::size_t k = 0; k < matched.size() && k < 5; ++k) reason += (k ? ", " : "") + matched[k];
  if (matched.size() > 5) reason += ", ...";
  return submit(ws, s, now, reason, newest, {}, out);
}

// Runs the command and queues the runs it asks for, each run_key once; its cursor is committed
// with them (or alone when it moved without runs).
bool evaluate_command(orchestrate::Workspace& ws, const orchestrate::SensorConfig& s, EpochSeconds now,
                      std::ostream& out) {
  runstore::RunStore& store = ws.store();
  const std::string source = sensor_source(s.name);
  const std::optional<std::string> cursor = store.automation_state(source).cursor;
  SensorCommandOutput o;
  const std::atomic<bool> never{false};  // its timeout bounds how long it holds the daemon
  try {
    o = run_sensor_command(s, ws.root(), cursor,
                           iso_utc(std::chrono::system_clock::time_point(std::chrono::seconds(now))), never);
  } catch (const std::runtime_error& e) {
    record_failure(store, source, now, e.what(), out);
    return false;
  }
  const auto submitted = store.sensor_files(source);  // "run_key:K" for each key queued before
  std::vector<runstore::SensorFile> keys;
  std::set<std::string> new_keys;
  std::vector<runstore::QueuedRun> runs;
  int repeated = 0;
  for (const SensorRunRequest& req : o.requests) {
    const std::string where = "line " + std::to_string(req.line) + ": ";
    if (req.run_key) {
      const std::string k = "run_key:" + *req.run_key;
      if (submitted.count(k) || !new_keys.insert(k).second) {
        ++repeated;
        continue;
      }
      keys.push_back({k, 0, 0});
    }
    orchestrate::MaterializeOptions mo;
    mo.select = req.select.empty() ? s.select : req.select;
    mo.exclude = req.select.empty() && req.exclude.empty() ? s.exclude : req.exclude;
    mo.partition = req.partition;
    mo.tags = req.tags;
    mo.tags["pond/sensor"] = s.name;
    if (req.run_key) mo.tags["pond/run_key"] = *req.run_key;
    if (mo.select.empty()) {
      record_failure(store, source, now,
                     where + "the run request names no \"select\" and the sensor has no select:", out);
      return false;
    }
    try {
      for (orchestrate::RunRequest& r : orchestrate::plan_materialize(ws, mo, now)) {
        r.run_id = random_uuid();
        r.trigger = "sensor";
        runs.push_back({orchestrate::request_record(ws, r), r.tags});
      }
    } catch (const UserError& e) {
      record_failure(store, source, now, where + e.message() + "; nothing was queued", out);
      return false;
    }
  }
  const bool cursor_moved = o.cursor && o.cursor != cursor;
  if (runs.empty()) {
    std::string reason = o.skip_reason.value_or(repeated ? std::to_string(repeated) +
                                                               " run request(s) with a run_key queued before"
                                                         : "no run requests");
    auto last = store.recent_ticks(source, 1);
    const bool same = !last.empty() && last[0].status == "skipped" && last[0].reason == reason;
    if (cursor_moved || !same) store.record_tick({source, now, "skipped", {}, reason, ""}, {}, o.cursor);
    return false;
  }
  std::string reason = std::to_string(runs.size()) + " run(s) requested by the command";
  if (repeated)
    reason += " (" + std::to_string(repeated) + " request(s) with a run_key queued before skipped)";
  if (!store.record_tick({source, now, "submitted", {}, reason, ""}, runs, o.cursor, keys)) return false;
  out << "Sensor " << s.name << ": submitted";
  for (const auto& q : runs) out << " run " << q.run.run_id;
  out << " (" << reason << ")" << std::endl;
  return true;
}

}  // namespace

std::string sensor_source(const std::string& name) {
  return "sensor:" + name;
}

std::string sensor_watches(const orchestrate::SensorConfig& s) {
  if (s.type == "run_status") {
    std::string w;
    for (const auto& x : s.watch) w += (w.empty() ? "" : " ") + x;
    return "runs that end in " + s.run_status + (w.empty() ? "" : " of " + w);
  }
  if (s.type == "command") {
    if (!s.shell.empty()) return "command: " + s.shell;
    std::string c;
    for (const auto& a : s.argv) c += (c.empty() ? "" : " ") + a;
    return "command: " + c;
  }
  return s.type == "files" ? s.path + "/" + s.glob : s.asset;
}

bool sensor_enabled(runstore::RunStore& store, const orchestrate::SensorConfig& s) {
  return store.automation_state(sensor_source(s.name)).enabled.value_or(s.enabled);
}

void check_sensors(const orchestrate::Workspace& ws) {
  for (const auto& s : ws.config().sensors) {
    if (s.type == "asset" && !ws.graph().find(s.asset))
      throw UserError(s.where, "sensor '" + s.name + "': the project has no asset '" + s.asset + "'",
                      "name a model, seed, snapshot, source or pond.yml asset");
    if (s.type == "run_status" && !s.watch.empty() &&
        orchestrate::select_assets(ws.graph(), s.watch, {}).empty())
      throw UserError(s.where, "sensor '" + s.name + "': 'watch:' selects no asset",
                      "name assets or a selection (tag:..., +model)");
  }
}

bool evaluate_sensor(orchestrate::Workspace& ws, const orchestrate::SensorConfig& s, EpochSeconds now,
                     std::ostream& out, SensorMemory* memory) {
  if (!sensor_enabled(ws.store(), s)) return false;
  if (s.type == "run_status") return evaluate_run_status(ws, s, now, out);
  if (s.type == "command") return evaluate_command(ws, s, now, out);
  return s.type == "files" ? evaluate_files(ws, s, now, out, memory) : evaluate_asset(ws, s, now, out);
}

}  // namespace pond::automation
