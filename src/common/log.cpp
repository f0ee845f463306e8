#include "common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/time.hpp"

namespace pond::log {
namespace {

struct State {
  Options options;
  std::mutex mutex;
  std::atomic<int> promoted{0};
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

}  // namespace

void configure(const Options& options) {
  state().options = options;
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
  return level >= state().options.level && level != Level::kOff;
}

void write(Level level, std::string_view message, const Fields& fields) {
  auto& s = state();
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
