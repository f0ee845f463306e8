#include "automation/command_sensor.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "orchestrate/command_process.hpp"

namespace pond::automation {

namespace {

constexpr std::size_t kMaxOutput = 16 * 1024 * 1024;  // a sensor printing more is broken
constexpr std::string_view kShape =
    R"({"select": ..., "partition": ..., "tags": {...}, "run_key": ...}, {"cursor": "..."} or {"skip": "..."})";

std::string shorten(std::string_view s) {
  return s.size() > 120 ? std::string(s.substr(0, 120)) + "..." : std::string(s);
}

std::vector<std::string> names(const nlohmann::json& v, int line, const char* key) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (!e.is_string())
        throw std::invalid_argument("line " + std::to_string(line) + ": \"" + key +
                                    "\" must be a string or a list of strings");
      out.push_back(e.get<std::string>());
    }
  } else {
    throw std::invalid_argument("line " + std::to_string(line) + ": \"" + key +
                                "\" must be a string or a list of strings");
  }
  for (const auto& s : out)
    if (s.empty())
      throw std::invalid_argument("line " + std::to_string(line) + ": \"" + key + "\" has an empty name");
  return out;
}

std::string text_of(const nlohmann::json& v, int line, const char* key) {
  if (!v.is_string())
    throw std::invalid_argument("line " + std::to_string(line) + ": \"" + key + "\" must be a string, not " +
                                shorten(v.dump()));
  return v.get<std::string>();
}

}  // namespace

SensorCommandOutput parse_sensor_output(std::string_view text) {
  SensorCommandOutput out;
  int line = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line;
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == ' ' || raw.back() == '\t'))
      raw.remove_suffix(1);
    while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
    if (raw.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw std::invalid_argument("line " + std::to_string(line) + ": expected a JSON object (" +
                                  std::string(kShape) + "), got: " + shorten(raw));
    if (j.contains("cursor") || j.contains("skip")) {
      const char* key = j.contains("cursor") ? "cursor" : "skip";
      if (j.size() != 1)
        throw std::invalid_argument("line " + std::to_string(line) + ": a \"" + key +
                                    "\" line takes no other key; print run requests on lines of their own");
      (key[0] == 'c' ? out.cursor : out.skip_reason) = text_of(j[key], line, key);
      continue;
    }
    SensorRunRequest r;
    r.line = line;
    for (const auto& [k, v] : j.items()) {
      if (k == "select") {
        r.select = names(v, line, "select");
      } else if (k == "exclude") {
        r.exclude = names(v, line, "exclude");
      } else if (k == "partition") {
        r.partition = text_of(v, line, "partition");
      } else if (k == "run_key") {
        r.run_key = text_of(v, line, "run_key");
      } else if (k == "tags") {
        if (!v.is_object())
          throw std::invalid_argument("line " + std::to_string(line) +
                                      ": \"tags\" must be an object of strings");
        for (const auto& [tk, tv] : v.items()) r.tags[tk] = text_of(tv, line, "tags");
      } else {
        throw std::invalid_argument("line " + std::to_string(line) + ": unknown key \"" + k +
                                    "\" (a run request takes select, exclude, partition, tags, run_key)");
      }
    }
    out.requests.push_back(std::move(r));
  }
  return out;
}

SensorCommandOutput run_sensor_command(const orchestrate::SensorConfig& s, const std::filesystem::path& root,
                                       const std::optional<std::string>& cursor, std::string_view tick_time,
                                       const std::atomic<bool>& cancelled) {
  orchestrate::CommandSpec spec;
  spec.argv = s.argv.empty() ? std::vector<std::string>{"/bin/sh", "-c", s.shell} : s.argv;
  spec.cwd = s.cwd.empty() ? root : root / s.cwd;
  spec.env = s.env;
  spec.env["POND_SENSOR"] = s.name;
  spec.env["POND_SENSOR_CURSOR"] = cursor.value_or("");
  spec.env["POND_TICK_TIME"] = std::string(tick_time);
  spec.env["POND_PROJECT_DIR"] = root.string();
  spec.timeout = s.timeout;
  std::string stdout_text;
  bool overflow = false;
  orchestrate::CommandResult r =
      orchestrate::run_command(spec, cancelled, [&](bool is_stderr, std::string_view l) {
        if (is_stderr) return;
        if (stdout_text.size() + l.size() + 1 > kMaxOutput) {
          overflow = true;
          return;
        }
        stdout_text.append(l);
        stdout_text.push_back('\n');
      });
  std::string tail;
  for (const auto& l : r.stderr_tail) tail += "\n    " + l;
  if (!r.started) throw std::runtime_error("the command could not start: " + r.start_error);
  if (r.timed_out)
    throw std::runtime_error(
        fmt::format("the command did not finish within its timeout ({:g} s) and was "
                    "stopped; nothing was queued{}",
                    static_cast<double>(s.timeout.count()) / 1000.0, tail));
  if (r.cancelled) throw std::runtime_error("the daemon stopped while the command ran; nothing was queued");
  if (r.exit_code != 0)
    throw std::runtime_error("the command exited with code " + std::to_string(r.exit_code) +
                             "; nothing was queued" + (tail.empty() ? "" : ", its stderr ends:" + tail));
  if (overflow) throw std::runtime_error("the command printed more than 16 MB; nothing was queued");
  try {
    return parse_sensor_output(stdout_text);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("its output, ") + e.what() + "; nothing was queued");
  }
}

}  // namespace pond::automation
