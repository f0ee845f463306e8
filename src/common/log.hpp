#pragma once
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pond::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

// The logger is pond's one piece of global mutable state: configured once by the CLI,
// then written from any thread. Lines go to stderr; a line is written whole or not at all.
struct Options {
  Level level = Level::kInfo;
  Format format = Format::kText;
  bool color = true;
};

void configure(const Options& options);
const Options& options();
Level parse_level(std::string_view name);  // throws std::invalid_argument

// Extra structured fields, shown as key=value in text and as JSON members in json.
using Fields = std::vector<std::pair<std::string, std::string>>;

void write(Level level, std::string_view message, const Fields& fields = {});
bool enabled(Level level);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace pond::log
