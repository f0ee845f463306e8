#include "common/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "common/log_file.hpp"
#include "common/time.hpp"

namespace pond::log {
namespace {

struct State {
  Options options;
  std::mutex mutex;
  std::atomic<int> promoted{0};
  std::unique_ptr<RotatingFile> file;
  Level floor = Level::kInfo;        // the lower of the console's and the file's levels
  std::vector<std::string> secrets;  // DBT_ENV_SECRET_* values, longest first
  std::thread::id main_thread;
  std::atomic<int> threads{0};
};

State& state() {
  static State s;
  return s;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "?";
}

std::string scrubbed(std::string_view text) {
  std::string out(text);
  for (const auto& secret : state().secrets)
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 5))
      out.replace(at, secret.size(), "*****");
  return out;
}

// dbt's thread names: MainThread, then Thread-1, Thread-2, ... in order of first log line.
std::string thread_name() {
  auto& s = state();
  if (std::this_thread::get_id() == s.main_thread) return "MainThread";
  thread_local int index = ++s.threads;
  return "Thread-" + std::to_string(index);
}

std::string file_line(Level level, std::string_view message, const Fields& fields) {
  auto& s = state();
  auto now = std::chrono::system_clock::now();
  if (s.options.file->format == Format::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = iso_utc_millis(now);
    j["level"] = level_name(level);
    j["invocation_id"] = s.options.file->invocation_id;
    j["thread"] = thread_name();
    j["msg"] = message;
    for (const auto& [k, v] : fields) j[k] = v;
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  std::string time = iso_utc(now).substr(11, 15);  // HH:MM:SS.ffffff of "YYYY-MM-DDTHH:MM:SS.ffffffZ"
  std::string line = fmt::format("{} [{:<5}] [{}]: {}", time, level_name(level), thread_name(), message);
  for (const auto& [k, v] : fields) line += fmt::format(" {}={}", k, v);
  return line + "\n";
}

}  // namespace

void configure(const Options& options) {
  auto& s = state();
  s.options = options;
  s.main_thread = std::this_thread::get_id();
  s.secrets.clear();
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos || !kv.starts_with("DBT_ENV_SECRET_")) continue;
    if (eq + 1 < kv.size()) s.secrets.emplace_back(kv.substr(eq + 1));
  }
  std::sort(s.secrets.begin(), s.secrets.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  s.file.reset();
  s.floor = options.level;
  if (options.file && options.file->level != Level::kOff) {
    s.file = std::make_unique<RotatingFile>(options.file->path, options.file->max_bytes, 5);
    s.floor = std::min(s.floor, options.file->level);
    if (options.file->format == Format::kText) {
      auto now = std::chrono::system_clock::now();
      std::string stamp = iso_utc(now);  // YYYY-MM-DDTHH:MM:SS.ffffffZ
      s.file->write(
          fmt::format("\n\n============================== {} {} | {} ==============================\n",
                      stamp.substr(0, 10), stamp.substr(11, 15), options.file->invocation_id));
    }
  }
}

void write_file(Level level, std::string_view message) {
  auto& s = state();
  if (!s.file || level < s.options.file->level || level == Level::kOff) return;
  std::string line = file_line(level, scrubbed(message), {});
  std::lock_guard lock(s.mutex);
  s.file->write(line);
}
const Options& options() {
  return state().options;
}

Level parse_level(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "none" || name == "off") return Level::kOff;
  throw std::invalid_argument("unknown log level '" + std::string(name) +
                              "' (debug, info, warn, error, none)");
}

bool WarnErrorPolicy::promotes(std::string_view event) const {
  std::string e(event);
  if (!e.empty() && warn.count(e)) return false;
  return all || (!e.empty() && error.count(e));
}

void warning(std::string_view event, std::string_view message) {
  auto& s = state();
  const WarnErrorPolicy& p = s.options.warn_error;
  if (!event.empty() && p.silence.count(std::string(event))) return;
  if (p.promotes(event)) {
    ++s.promoted;
    if (enabled(Level::kError))
      write(Level::kError, fmt::format("{} (a warning; --warn-error makes it an error)", message));
    return;
  }
  if (enabled(Level::kWarn)) write(Level::kWarn, message);
}

int promoted_warnings() {
  return state().promoted.load();
}

bool enabled(Level level) {
  return level >= state().floor && level != Level::kOff;
}

void write(Level level, std::string_view raw_message, const Fields& raw_fields) {
  auto& s = state();
  std::string clean = s.secrets.empty() ? std::string() : scrubbed(raw_message);
  std::string_view message = s.secrets.empty() ? raw_message : std::string_view(clean);
  Fields clean_fields;
  if (!s.secrets.empty())
    for (const auto& [k, v] : raw_fields) clean_fields.emplace_back(k, scrubbed(v));
  const Fields& fields = s.secrets.empty() ? raw_fields : clean_fields;
  if (s.file && level >= s.options.file->level && level != Level::kOff) {
    std::string line = file_line(level, message, fields);
    std::lock_guard lock(s.mutex);
    s.file->write(line);
  }
  if (level < s.options.level || level == Level::kOff) return;
  std::string line;
  if (s.options.format == Format::kJson) {
    nlohmann::ordered_json j;  // ts, level, msg first, in that order
    j["ts"] = iso_utc_millis(std::chrono::system_clock::now());
    j["level"] = level_name(level);
    j["msg"] = message;
    for (const auto& [k, v] : fields) j[k] = v;
    line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else {
    std::string_view color_on, color_off;
    if (s.options.color) {
      color_off = "\033[0m";
      if (level == Level::kError)
        color_on = "\033[31m";
      else if (level == Level::kWarn)
        color_on = "\033[33m";
      else if (level == Level::kDebug)
        color_on = "\033[2m";
      else
        color_off = "";
    }
    std::string prefix = level == Level::kInfo ? "" : std::string(level_name(level)) + ": ";
    line = fmt::format("{}{}{}", color_on, prefix, message);
    for (const auto& [k, v] : fields) line += fmt::format(" {}={}", k, v);
    line += color_off;
    line += "\n";
  }
  std::lock_guard lock(s.mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace pond::log
