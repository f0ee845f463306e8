#pragma once
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pond::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

// The logger is pond's one piece of global mutable state: configured once by the CLI,
// then written from any thread. Lines go to stderr; a line is written whole or not at all.
// dbt's --warn-error / --warn-error-options: which warnings count as errors. Warnings are named
// by dbt's event names where pond has the same warning (NoNodesForSelectionCriteria, ...);
// unnamed warnings follow `all`.
struct WarnErrorPolicy {
  bool all = false;               // --warn-error, or error: all / "*"
  std::set<std::string> error;    // these events are errors
  std::set<std::string> warn;     // these stay warnings even with `all`
  std::set<std::string> silence;  // these are not printed at all
  bool promotes(std::string_view event) const;
};

// dbt's log file (logs/dbt.log): every line at or above `level`, whatever the console shows,
// and the lines commands print on stdout (write_file). Appended to, rotated at max_bytes.
struct FileOptions {
  std::string path;
  Level level = Level::kDebug;
  Format format = Format::kText;  // text: dbt's file format (time, level, thread on each line)
  std::uint64_t max_bytes = 10 * 1024 * 1024;
  std::string invocation_id;  // in the header of each invocation and in json lines
};

struct Options {
  Level level = Level::kInfo;
  Format format = Format::kText;
  bool color = true;
  WarnErrorPolicy warn_error;
  std::optional<FileOptions> file;
};

// Throws UserError when the log file cannot be opened. Values of DBT_ENV_SECRET_* environment
// variables are replaced by ***** in every line of both the console and the file, as in dbt.
void configure(const Options& options);
const Options& options();
Level parse_level(std::string_view name);  // throws std::invalid_argument

// Extra structured fields, shown as key=value in text and as JSON members in json.
using Fields = std::vector<std::pair<std::string, std::string>>;

void write(Level level, std::string_view message, const Fields& fields = {});
// Whether `level` reaches the console or the file.
bool enabled(Level level);
// A line already shown on stdout (a command's results): to the log file only.
void write_file(Level level, std::string_view message);
// A warning named by dbt's event name: written as an error (and counted) when --warn-error
// promotes it, dropped when silenced, else a warning.
void warning(std::string_view event, std::string_view message);
// How many warnings --warn-error turned into errors so far: the CLI then fails the command.
int promoted_warnings();

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
  warning("", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn_event(std::string_view event, fmt::format_string<Args...> f, Args&&... args) {
  warning(event, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace pond::log
