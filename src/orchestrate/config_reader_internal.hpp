#pragma once
// Typed access to pond.yml's YAML for the files that read its sections: errors at the
// offending node (pond.yml:line:col), unknown keys with a did-you-mean.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "project/yaml_tree.hpp"

namespace pond::orchestrate {

using project::YamlNode;
using project::YamlTree;

inline std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Typed access to one document with errors at the offending node.
class Reader {
 public:
  explicit Reader(const YamlTree& tree) : tree_(tree) {}

  SourceLocation where(const YamlNode& n) const { return {tree_.name(), n.line, n.column}; }
  [[noreturn]] void fail(const YamlNode& n, const std::string& msg, const std::string& hint = {}) const {
    tree_.fail(n, msg, hint);
  }

  // Checks that `map` is a mapping whose keys are all in `known`.
  void keys(const YamlNode& map, const std::string& what, const std::vector<std::string>& known) const {
    if (!map.is_map()) fail(map, what + " must be a mapping");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < map.size(); ++i) {
      const YamlNode& k = map.key(i);
      if (!k.is_scalar()) fail(k, "keys of " + what + " must be plain names");
      if (!seen.insert(k.scalar).second) fail(k, "duplicate key '" + k.scalar + "' in " + what);
      if (std::find(known.begin(), known.end(), k.scalar) != known.end()) continue;
      std::string guess = closest_match(k.scalar, known);
      fail(k, "unknown key '" + k.scalar + "' in " + what,
           guess.empty() ? "the keys are: " + join(known) : "did you mean '" + guess + "'?");
    }
  }

  std::string str(const YamlNode& n, const std::string& what) const {
    if (!n.is_scalar()) fail(n, what + " must be a string");
    return n.scalar;
  }
  std::string name(const YamlNode& n, const std::string& what) const {
    std::string s = str(n, what);
    if (s.empty()) fail(n, what + " must not be empty");
    return s;
  }
  int integer(const YamlNode& n, const std::string& what, int min, int max) const {
    if (!n.is_scalar() || n.quoted) fail(n, what + " must be a whole number");
    int v = 0;
    std::istringstream in(n.scalar);
    if (!(in >> v) || !in.eof()) fail(n, what + " must be a whole number, not '" + n.scalar + "'");
    if (v < min || v > max)
      fail(n, what + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
  }
  bool boolean(const YamlNode& n, const std::string& what) const {
    if (n.is_scalar() && !n.quoted) {
      if (n.scalar == "true" || n.scalar == "True") return true;
      if (n.scalar == "false" || n.scalar == "False") return false;
    }
    fail(n, what + " must be true or false");
  }
  std::chrono::seconds duration(const YamlNode& n, const std::string& what) const {
    std::string s = str(n, what);
    auto d = parse_duration(s);
    if (!d) fail(n, what + " must be a duration such as 30s, 10m, 12h, 7d, not '" + s + "'");
    return *d;
  }
  // A duration that may also be given in milliseconds (timeouts of quick commands: 300ms).
  std::chrono::milliseconds duration_ms(const YamlNode& n, const std::string& what) const {
    std::string s = str(n, what);
    if (s.size() > 2 && s.ends_with("ms") &&
        std::all_of(s.begin(), s.end() - 2, [](char ch) { return ch >= '0' && ch <= '9'; }) && s.size() < 14)
      return std::chrono::milliseconds(std::stoll(s.substr(0, s.size() - 2)));
    auto d = parse_duration(s);
    if (!d) fail(n, what + " must be a duration such as 500ms, 30s, 10m, 12h, 7d, not '" + s + "'");
    return *d;
  }
  // A string or a list of strings.
  std::vector<std::string> strings(const YamlNode& n, const std::string& what) const {
    std::vector<std::string> out;
    if (n.is_scalar()) {
      out.push_back(n.scalar);
      return out;
    }
    if (!n.is_sequence()) fail(n, what + " must be a string or a list of strings");
    for (const auto& item : n.children) out.push_back(str(item, "each item of " + what));
    return out;
  }

 private:
  const YamlTree& tree_;
};

struct PondConfig;
// Reads `ingest:` (config_ingest.cpp).
void read_ingest(const Reader& r, const YamlNode& section, PondConfig& config);
// Reads `serve:` (config_serve.cpp).
void read_serve(const Reader& r, const YamlNode& section, PondConfig& config);
}  // namespace pond::orchestrate
namespace pond::ingest {
struct ResourceConfig;
struct CursorIncremental;
}  // namespace pond::ingest
namespace pond::orchestrate {
// Reads the keys of a `from: rest` resource into `res` (config_ingest_rest.cpp).
void read_rest_source(const Reader& r, const YamlNode& n, ingest::ResourceConfig& res);
// Reads the keys of a `from: postgres` resource into `res` (config_ingest_postgres.cpp).
void read_postgres_source(const Reader& r, const YamlNode& n, ingest::ResourceConfig& res);
// `incremental: {cursor: COLUMN, initial: VALUE}` of files and PostgreSQL resources; `columns`
// says whose column the cursor is ("the files"). Refused with `write: replace` (config_ingest.cpp).
ingest::CursorIncremental read_cursor_incremental(const Reader& r, const YamlNode& v,
                                                  const ingest::ResourceConfig& res,
                                                  const std::string& columns);
// Reads `partitions:` and `window:` of a resource into `res`, after its other keys
// (config_ingest_partitions.cpp).
void read_ingest_partitions(const Reader& r, const YamlNode& n, ingest::ResourceConfig& res);
// Checks the resources' windows against their partitions definitions (a time window, a list).
void check_ingest_partitions(const PondConfig& c);
// A value that may name environment variables: a string with `${NAME}` in it, or {env: NAME}.
// `secret`: it must come from the environment (no password written into pond.yml).
std::string env_value(const Reader& r, const YamlNode& n, const std::string& what, bool secret = false);
struct AutomationConfig;
// Reads an asset's `automation:` (`block` false) or one root `automation:` entry (with select:)
// (config_automation.cpp).
AutomationConfig read_automation(const Reader& r, const YamlNode& n, bool block);
struct FreshnessConfig;
// Reads an asset's `freshness:` or one root `freshness:` entry (config_automation.cpp).
FreshnessConfig read_freshness(const Reader& r, const YamlNode& n, bool block);
struct NotifyConfig;
// Reads one `notify:` entry (config_automation.cpp).
NotifyConfig read_notify(const Reader& r, const std::string& name, const YamlNode& n);
// A command's `run:` (of an asset or a sensor): a list is executed directly (`argv`), a string by
// /bin/sh -c (`shell`).
void read_command_run(const Reader& r, const YamlNode& run, std::vector<std::string>& argv,
                      std::string& shell);
// A command's `env:`: variable names without the POND_ prefix (pond sets those).
std::map<std::string, std::string> read_command_env(const Reader& r, const YamlNode& v);
struct ScheduleConfig;
struct SensorConfig;
// Read one `schedules:` / `sensors:` entry (config_sensors.cpp).
ScheduleConfig read_schedule(const Reader& r, const std::string& name, const YamlNode& n);
SensorConfig read_sensor(const Reader& r, const std::string& name, const YamlNode& n);

}  // namespace pond::orchestrate
