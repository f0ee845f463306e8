#include "ingest/delta_log.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "ingest/bad_input.hpp"

namespace pond::ingest {

namespace fs = std::filesystem;
using nlohmann::json;

std::string DeltaDeletionVector::unique_id() const {
  return storage_type + path_or_inline + (offset ? "@" + std::to_string(*offset) : std::string());
}

std::string DeltaFile::key() const {
  return path + (deletion_vector ? "\n" + deletion_vector->unique_id() : std::string());
}

namespace {

[[noreturn]] void fail(const std::string& who, const fs::path& table, const std::string& what,
                       const std::string& hint = {}) {
  throw UserError(
      who + ": Delta table " + table.string() + ": " + what,
      hint.empty() ? "is the path a Delta table, written completely? (its _delta_log/ says)" : hint,
      ExitCode::kStepFailed);
}

// A commit's file name: the version in 20 digits.
std::string fmt_version(std::int64_t v) {
  std::string digits = std::to_string(v);
  return std::string(20 - std::min<std::size_t>(20, digits.size()), '0') + digits + ".json";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c) != 0; });
}

// The files of _delta_log/ that replay needs, by version.
struct Checkpoint {
  enum class Kind { kClassic, kMultiPart, kV2 } kind = Kind::kClassic;
  std::vector<fs::path> files;
  std::int64_t parts = 1;
};

struct LogListing {
  std::map<std::int64_t, fs::path> commits;
  // version -> the complete checkpoints of that version (v2 first: it holds the sidecars' list)
  std::map<std::int64_t, std::vector<Checkpoint>> checkpoints;
};

LogListing list_log(const fs::path& log, const std::string& who, const fs::path& table) {
  LogListing out;
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::pair<std::int64_t, fs::path>>> parts;
  std::error_code ec;
  for (fs::directory_iterator it(log, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (name.size() < 21 || !all_digits(name.substr(0, 20)) || name[20] != '.') continue;
    std::int64_t version = std::stoll(name.substr(0, 20));
    std::string rest = name.substr(21);
    if (rest == "json") {
      out.commits[version] = it->path();
    } else if (rest == "checkpoint.parquet") {
      out.checkpoints[version].push_back({Checkpoint::Kind::kClassic, {it->path()}, 1});
    } else if (rest.starts_with("checkpoint.")) {
      std::string tail = rest.substr(11);  // "0000000001.0000000003.parquet" or "<uuid>.json|parquet"
      if (tail.size() == 29 && all_digits(tail.substr(0, 10)) && tail[10] == '.' &&
          all_digits(tail.substr(11, 10)) && tail.substr(21) == ".parquet") {
        std::int64_t part = std::stoll(tail.substr(0, 10));
        std::int64_t of = std::stoll(tail.substr(11, 10));
        parts[{version, of}].emplace_back(part, it->path());
      } else if (tail.ends_with(".json") || tail.ends_with(".parquet")) {
        out.checkpoints[version].insert(out.checkpoints[version].begin(),
                                        Checkpoint{Checkpoint::Kind::kV2, {it->path()}, 1});
      }
    }
  }
  if (ec) fail(who, table, "cannot list " + log.string() + ": " + ec.message());
  for (auto& [key, found] : parts) {
    std::sort(found.begin(), found.end());
    // Complete: parts 1..n each once (a crashed writer may leave some).
    bool complete = static_cast<std::int64_t>(found.size()) == key.second;
    for (std::size_t i = 0; complete && i < found.size(); ++i)
      complete = found[i].first == static_cast<std::int64_t>(i + 1);
    if (!complete) continue;
    Checkpoint c{Checkpoint::Kind::kMultiPart, {}, key.second};
    for (auto& [n, p] : found) c.files.push_back(p);
    out.checkpoints[key.first].push_back(std::move(c));
  }
  return out;
}

// Percent-decoding of the log's URIs ("a%20b" -> "a b").
std::string uri_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Replays actions into the snapshot; `where` names the file (and line) for errors.
class Replay {
 public:
  Replay(DeltaSnapshot& snap, std::string who) : snap_(snap), who_(std::move(who)) {}

  void apply(const json& action, std::int64_t version, bool checkpoint, const std::string& where) {
    if (!action.is_object()) bad(where, "an action must be a JSON object");
    for (const auto& [kind, body] : action.items()) {
      if (body.is_null()) continue;  // a checkpoint row has every action column, all but one null
      if (kind == "protocol") {
        protocol(body, where);
      } else if (kind == "metaData") {
        metadata(body, where);
      } else if (kind == "add") {
        DeltaFile f = file(body, where);
        f.version = version;
        if (f.data_change) added_.push_back(f);
        std::string key = f.key();
        files_[key] = std::move(f);
      } else if (kind == "remove" && !checkpoint) {
        // A checkpoint's removes are tombstones of files already gone from its adds.
        DeltaFile f = file(body, where);
        files_.erase(f.key());
        if (f.data_change) removes_data_ = true;
      } else if (kind == "sidecar") {
        sidecars_.push_back(string_field(body, "path", where));
      }
      // commitInfo, txn, cdc, domainMetadata, checkpointMetadata, ...: not the table's rows.
    }
  }

  std::vector<std::string> take_sidecars() { return std::exchange(sidecars_, {}); }
  // The adds with new data since the last call, and whether a remove of data came with them.
  std::vector<DeltaFile> take_added() { return std::exchange(added_, {}); }
  bool take_removes_data() { return std::exchange(removes_data_, false); }
  bool has_protocol() const { return has_protocol_; }
  bool has_metadata() const { return has_metadata_; }

  void finish() {
    snap_.files.clear();
    for (auto& [key, f] : files_) snap_.files.push_back(std::move(f));
    std::sort(snap_.files.begin(), snap_.files.end(),
              [](const DeltaFile& a, const DeltaFile& b) { return a.path < b.path; });
  }

 private:
  [[noreturn]] void bad(const std::string& where, const std::string& what) {
    fail(who_, snap_.table, where + ": " + what,
         "the log is corrupt or written by a newer Delta writer; check the table with its writer");
  }

  std::string string_field(const json& body, const char* name, const std::string& where) {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string()) bad(where, std::string("'") + name + "' must be a string");
    return it->get<std::string>();
  }

  std::int64_t int_field(const json& body, const char* name, const std::string& where, bool required) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (required) bad(where, std::string("'") + name + "' is missing");
      return 0;
    }
    if (!it->is_number_integer()) bad(where, std::string("'") + name + "' must be an integer");
    return it->get<std::int64_t>();
  }

  void protocol(const json& p, const std::string& where) {
    DeltaProtocol out;
    out.min_reader_version = static_cast<int>(int_field(p, "minReaderVersion", where, true));
    out.min_writer_version = static_cast<int>(int_field(p, "minWriterVersion", where, false));
    if (auto it = p.find("readerFeatures"); it != p.end() && !it->is_null()) {
      if (!it->is_array()) bad(where, "'readerFeatures' must be a list");
      out.reader_features.emplace();
      for (const auto& f : *it) {
        if (!f.is_string()) bad(where, "'readerFeatures' must list strings");
        out.reader_features->push_back(f.get<std::string>());
      }
    }
    snap_.protocol = std::move(out);
    has_protocol_ = true;
  }

  void metadata(const json& m, const std::string& where) {
    DeltaMetadata out;
    out.id = string_field(m, "id", where);
    if (auto f = m.find("format"); f != m.end() && f->is_object() && f->contains("provider"))
      out.provider = string_field(*f, "provider", where);
    out.schema_string = string_field(m, "schemaString", where);
    if (auto pc = m.find("partitionColumns"); pc != m.end() && !pc->is_null()) {
      if (!pc->is_array()) bad(where, "'partitionColumns' must be a list");
      for (const auto& c : *pc) {
        if (!c.is_string()) bad(where, "'partitionColumns' must list strings");
        out.partition_columns.push_back(c.get<std::string>());
      }
    }
    if (auto cfg = m.find("configuration"); cfg != m.end() && cfg->is_object())
      for (const auto& [k, v] : cfg->items())
        if (v.is_string()) out.configuration[k] = v.get<std::string>();
    snap_.metadata = std::move(out);
    has_metadata_ = true;
  }

  DeltaFile file(const json& a, const std::string& where) {
    if (!a.is_object()) bad(where, "an add or remove must be a JSON object");
    DeltaFile f;
    f.path = string_field(a, "path", where);
    f.size = int_field(a, "size", where, false);
    if (auto dc = a.find("dataChange"); dc != a.end() && dc->is_boolean()) f.data_change = dc->get<bool>();
    if (auto pv = a.find("partitionValues"); pv != a.end() && pv->is_object())
      for (const auto& [k, v] : pv->items()) {
        if (v.is_null())
          f.partition_values[k] = std::nullopt;
        else if (v.is_string())
          f.partition_values[k] = v.get<std::string>();
        else
          bad(where, "partition value '" + k + "' must be a string or null");
      }
    if (auto dv = a.find("deletionVector"); dv != a.end() && !dv->is_null()) {
      if (!dv->is_object()) bad(where, "'deletionVector' must be an object");
      DeltaDeletionVector d;
      d.storage_type = string_field(*dv, "storageType", where);
      d.path_or_inline = string_field(*dv, "pathOrInlineDv", where);
      if (auto o = dv->find("offset"); o != dv->end() && !o->is_null())
        d.offset = int_field(*dv, "offset", where, true);
      d.size_in_bytes = int_field(*dv, "sizeInBytes", where, true);
      d.cardinality = int_field(*dv, "cardinality", where, true);
      f.deletion_vector = std::move(d);
    }
    return f;
  }

  DeltaSnapshot& snap_;
  std::string who_;
  std::map<std::string, DeltaFile> files_;
  std::vector<std::string> sidecars_;
  std::vector<DeltaFile> added_;
  bool removes_data_ = false;
  bool has_protocol_ = false;
  bool has_metadata_ = false;
};

void replay_commit(Replay& replay, const fs::path& file, std::int64_t version, const std::string& who,
                   const fs::path& table) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(who, table, "cannot read " + file.string());
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string where = file.string() + ":" + std::to_string(number);
    json action = json::parse(line, nullptr, false);
    if (action.is_discarded())
      fail(who, table, where + ": not a JSON action", "the log is corrupt; check the table with its writer");
    replay.apply(action, version, false, where);
  }
}

// A JSON-lines checkpoint (v2's top-level file) or parquet files read by DuckDB, each row as
// one JSON action.
void replay_checkpoint_files(engine::Connection& con, Replay& replay, const std::vector<fs::path>& files,
                             std::int64_t version, const std::string& who, const fs::path& table) {
  if (files.size() == 1 && files[0].extension() == ".json") {
    std::ifstream in(files[0], std::ios::binary);
    if (!in) fail(who, table, "cannot read " + files[0].string());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      json action = json::parse(line, nullptr, false);
      std::string where = files[0].string() + ":" + std::to_string(number);
      if (action.is_discarded()) fail(who, table, where + ": not a JSON action");
      replay.apply(action, version, true, where);
    }
    return;
  }
  std::string list;
  for (const auto& f : files) list += (list.empty() ? "" : ", ") + quote_literal(f.string());
  std::string where = files.size() == 1 ? files[0].string() : files[0].string() + " (and its other parts)";
  try {
    engine::Result r = con.query("SELECT to_json(t)::VARCHAR FROM read_parquet([" + list +
                                 "], hive_partitioning = false, "
                                 "union_by_name = true) AS t");
    while (auto chunk = r.next_chunk())
      for (std::size_t i = 0; i < chunk->size(); ++i) {
        json action = json::parse(chunk->get<std::string_view>(0, i), nullptr, false);
        if (action.is_discarded()) fail(who, table, where + ": a row DuckDB cannot turn into JSON");
        replay.apply(action, version, true, where);
      }
  } catch (const engine::EngineError& e) {
    fail(who, table, "cannot read the checkpoint " + where + ": " + short_engine_message(e.what()),
         "the checkpoint is corrupt; the table's writer can write a new one");
  }
}

}  // namespace

fs::path delta_file_path(const fs::path& table, const std::string& uri, const std::string& who) {
  std::string p = uri;
  if (p.starts_with("file://")) return fs::path(uri_decode(p.substr(7)));
  if (p.starts_with("file:/")) return fs::path(uri_decode(p.substr(5)));
  auto colon = p.find(':');
  auto slash = p.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash))
    fail(who, table, "the data file " + uri + " is not on local disk",
         "pond reads Delta tables on local disk; copy the table next to the project");
  return table / uri_decode(p);
}

DeltaChanges read_delta_changes(const fs::path& table, std::int64_t after, std::int64_t to,
                                const std::string& who) {
  fs::path log = table / "_delta_log";
  LogListing listing = list_log(log, who, table);
  DeltaSnapshot scratch;
  scratch.table = table;
  Replay replay(scratch, who);
  DeltaChanges out;
  std::map<std::string, std::size_t> at;  // path -> index in out.added
  for (std::int64_t v = after + 1; v <= to; ++v) {
    auto it = listing.commits.find(v);
    if (it == listing.commits.end())
      fail(who, table,
           "commit " + std::to_string(v) + " (" + (log / fmt_version(v)).string() +
               ") is no longer in the log, so what changed since version " + std::to_string(after) +
               " cannot be told",
           "load the table whole with write: replace");
    replay_commit(replay, it->second, v, who, table);
    if (replay.take_removes_data() && !out.first_removal) out.first_removal = v;
    for (auto& f : replay.take_added()) {
      if (auto seen = at.find(f.path); seen != at.end()) {
        out.added[seen->second] = std::move(f);  // a later add of the path (a new deletion vector) wins
      } else {
        at[f.path] = out.added.size();
        out.added.push_back(std::move(f));
      }
    }
  }
  return out;
}

DeltaSnapshot read_delta_snapshot(engine::Connection& con, const fs::path& table,
                                  std::optional<std::int64_t> version, const std::string& who) {
  DeltaSnapshot snap;
  snap.table = table;
  fs::path log = table / "_delta_log";
  std::error_code ec;
  if (!fs::is_directory(table, ec)) fail(who, table, "no such folder", "check path: in pond.yml");
  if (!fs::is_directory(log, ec))
    fail(who, table, "not a Delta table: no _delta_log/ folder in it",
         "path: must name the table's folder (the one holding _delta_log/)");
  LogListing listing = list_log(log, who, table);
  if (listing.commits.empty() && listing.checkpoints.empty())
    fail(who, table, "not a Delta table: _delta_log/ holds no commit");
  std::int64_t latest = -1;
  if (!listing.commits.empty()) latest = listing.commits.rbegin()->first;
  if (!listing.checkpoints.empty()) latest = std::max(latest, listing.checkpoints.rbegin()->first);
  std::int64_t target = version.value_or(latest);
  if (target > latest)
    fail(who, table,
         "version " + std::to_string(target) + " does not exist (the latest is " + std::to_string(latest) +
             ")",
         "set version: to an existing version, or remove it to read the latest");
  snap.version = target;

  // The newest checkpoint at or before the target; replay starts after it.
  const std::vector<Checkpoint>* checkpoint = nullptr;
  for (auto it = listing.checkpoints.upper_bound(target); it != listing.checkpoints.begin();) {
    --it;
    checkpoint = &it->second;
    snap.checkpoint = it->first;
    break;
  }
  std::int64_t from = snap.checkpoint ? *snap.checkpoint + 1 : 0;
  for (std::int64_t v = from; v <= target; ++v)
    if (!listing.commits.count(v))
      fail(who, table,
           v == 0 && !snap.checkpoint ? "version " + std::to_string(target) +
                                            " can no longer be read: commit 0 is gone and no "
                                            "checkpoint at or before it is left"
                                      : "commit " + std::to_string(v) + " (" +
                                            (log / fmt_version(v)).string() + ") is missing from the log",
           "the log was cleaned up past this version, or copied incompletely");

  Replay replay(snap, who);
  if (checkpoint) {
    const Checkpoint& c = checkpoint->front();
    replay_checkpoint_files(con, replay, c.files, *snap.checkpoint, who, table);
    if (c.kind == Checkpoint::Kind::kV2) {
      std::vector<fs::path> sidecars;
      for (const auto& s : replay.take_sidecars()) sidecars.push_back(log / "_sidecars" / uri_decode(s));
      for (const auto& s : sidecars)
        if (!fs::exists(s, ec)) fail(who, table, "the checkpoint's sidecar " + s.string() + " is missing");
      if (!sidecars.empty()) replay_checkpoint_files(con, replay, sidecars, *snap.checkpoint, who, table);
    }
  }
  for (std::int64_t v = from; v <= target; ++v) replay_commit(replay, listing.commits.at(v), v, who, table);
  if (!replay.has_protocol())
    fail(who, table, "the log has no protocol action up to version " + std::to_string(target));
  if (!replay.has_metadata())
    fail(who, table, "the log has no metaData action up to version " + std::to_string(target));
  replay.finish();
  return snap;
}

}  // namespace pond::ingest
