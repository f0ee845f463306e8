#include "dbt/progress.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include "common/log.hpp"
#include "dbt/step_details.hpp"

namespace pond::dbt {

std::string dotted_line(const std::string& message, const std::string& status) {
  constexpr std::size_t kWidth = 80;
  std::size_t used = message.size() + status.size() + 4;  // spaces and brackets
  std::size_t dots = used < kWidth ? kWidth - used : 3;
  return message + " " + std::string(dots, '.') + " [" + status + "]";
}

namespace {

std::string seconds(double s) {
  return fmt::format("in {:.2f}s", s);
}

std::string short_name(const exec::StepInfo& info) {
  auto dot = info.id.rfind('.');
  return dot == std::string::npos ? info.id : info.id.substr(dot + 1);
}

// What follows "N of M" on a finished step's line.
std::string finish_text(const exec::StepResult& r) {
  const exec::StepInfo& i = *r.info;
  const exec::StepOutcome& o = r.outcome;
  std::string what = i.description;
  if (i.kind == "source") {  // source freshness, as dbt words it
    switch (o.status) {
      case exec::Status::kPass:
        return "PASS " + what;
      case exec::Status::kWarn:
        return "WARN " + what;
      case exec::Status::kFail:
        return "ERROR STALE " + what;
      case exec::Status::kSkipped:
        return "SKIP " + what;
      default:
        return "ERROR " + what;
    }
  }
  bool test = i.kind == "test" || i.kind == "unit_test";
  if (i.kind == "test")  // the test's name (the id ends with a hash for generic tests)
    what = i.description.rfind("test ", 0) == 0 ? i.description.substr(5) : short_name(i);
  if (i.kind == "unit_test") what = i.description.substr(i.description.find(' ') + 1);  // model::name
  switch (o.status) {
    case exec::Status::kSuccess:
      if (i.kind == "seed") return "OK loaded " + what;
      if (i.kind == "operation") return "OK " + what;
      if (i.kind == "snapshot") return "OK snapshotted " + i.description.substr(9);
      return "OK created " + what;
    case exec::Status::kPartialSuccess:
      return "PARTIAL SUCCESS for " + what;
    case exec::Status::kPass:
      return "PASS " + what;
    case exec::Status::kWarn:
      return "WARN " + std::to_string(o.failures.value_or(0)) + " " + what;
    case exec::Status::kFail:
      return "FAIL " + std::to_string(o.failures.value_or(0)) + " " + what;
    case exec::Status::kError:
      return test ? "ERROR " + what : "ERROR creating " + what;
    case exec::Status::kSkipped:
      return test ? "SKIP test " + what : "SKIP relation " + (asset_of(i).empty() ? what : asset_of(i));
  }
  return what;
}

std::string clock_prefix() {
  auto now = std::chrono::system_clock::now();
  return fmt::format("{:%H:%M:%S}  ", std::chrono::floor<std::chrono::seconds>(now));
}

}  // namespace

std::string result_tag(const exec::StepResult& r) {
  const exec::StepOutcome& o = r.outcome;
  std::string t = seconds(r.execution_time);
  if (r.info->kind == "source") {
    if (o.status == exec::Status::kFail) return "ERROR STALE " + t;
    if (o.status == exec::Status::kWarn) return "WARN " + t;
  }
  switch (o.status) {
    case exec::Status::kSuccess:
      if (r.info->kind == "seed" && o.rows) return "INSERT " + std::to_string(*o.rows) + " " + t;
      return o.rows ? "OK " + std::to_string(*o.rows) + " " + t : "OK " + t;
    case exec::Status::kPartialSuccess:
      return "PARTIAL SUCCESS " + t;
    case exec::Status::kPass:
      return "PASS " + t;
    case exec::Status::kWarn:
      return "WARN " + std::to_string(o.failures.value_or(0)) + " " + t;
    case exec::Status::kFail:
      return "FAIL " + std::to_string(o.failures.value_or(0)) + " " + t;
    case exec::Status::kError:
      return "ERROR " + t;
    case exec::Status::kSkipped:
      return "SKIP";
  }
  return "";
}

ProgressPrinter::ProgressPrinter(std::ostream& out, ProgressOptions options) : out_(out), options_(options) {}

void ProgressPrinter::line(const std::string& text) {
  if (options_.live) out_ << "\r\033[K";
  out_ << (options_.timestamps ? clock_prefix() : "") << text << "\n";
  if (options_.live) draw_live();
  out_.flush();
}

void ProgressPrinter::draw_live() {
  constexpr int kBar = 24;
  int filled = total_ > 0 ? finished_ * kBar / total_ : 0;
  std::string names;
  for (const auto& [i, n] : running_) {
    if (names.size() > 40) {
      names += ", ...";
      break;
    }
    names += (names.empty() ? "" : ", ") + n;
    if (auto s = status_.find(n); s != status_.end()) names += " (" + s->second + ")";
  }
  out_ << "[" << std::string(filled, '#') << std::string(kBar - filled, ' ') << "] " << finished_ << "/"
       << total_ << (names.empty() ? "" : "  running: " + names);
}

void ProgressPrinter::on_start(const exec::StepInfo& info, int index, int total) {
  std::lock_guard lock(mutex_);
  total_ = total;
  running_[index] = short_name(info);
  if (options_.json) {
    log::write(log::Level::kInfo, fmt::format("{} of {} START {}", index, total, info.description),
               {{"event", "step_start"},
                {"unique_id", info.id},
                {"index", std::to_string(index)},
                {"total", std::to_string(total)},
                {"kind", info.kind}});
    return;
  }
  if (!options_.quiet)
    line(dotted_line(fmt::format("{} of {} START {}", index, total, info.description), "RUN"));
}

void ProgressPrinter::on_finish(const exec::StepResult& r, int total) {
  std::lock_guard lock(mutex_);
  total_ = total;
  ++finished_;
  if (auto it = running_.find(r.index); it != running_.end()) status_.erase(it->second);
  running_.erase(r.index);
  std::string text = fmt::format("{} of {} {}", r.index, total, finish_text(r));
  if (options_.json) {
    log::Fields f = {{"event", "step_finish"},
                     {"unique_id", r.info->id},
                     {"status", exec::status_name(r.outcome.status)},
                     {"index", std::to_string(r.index)},
                     {"total", std::to_string(total)},
                     {"execution_time", fmt::format("{:.3f}", r.execution_time)}};
    if (r.outcome.rows) f.push_back({"rows_affected", std::to_string(*r.outcome.rows)});
    if (r.outcome.failures) f.push_back({"failures", std::to_string(*r.outcome.failures)});
    if (!r.outcome.message.empty()) f.push_back({"message", r.outcome.message});
    bool bad = r.outcome.status == exec::Status::kError || r.outcome.status == exec::Status::kFail;
    log::write(bad ? log::Level::kError : log::Level::kInfo, text, f);
    return;
  }
  bool bad = r.outcome.status == exec::Status::kError || r.outcome.status == exec::Status::kFail;
  if (!options_.quiet || bad) line(dotted_line(text, result_tag(r)));
}

void ProgressPrinter::on_status(const exec::StepInfo& info, const std::string& status) {
  std::lock_guard lock(mutex_);
  if (!options_.live) return;
  status_[short_name(info)] = status;
  out_ << "\r\033[K";
  draw_live();
  out_.flush();
}

void ProgressPrinter::on_part(const exec::StepInfo& info, const exec::PartProgress& b) {
  std::lock_guard lock(mutex_);
  std::string what =
      "batch " + b.label + " of " + (asset_of(info).empty() ? short_name(info) : asset_of(info));
  std::string head = fmt::format("Batch {} of {} ", b.index, b.total);
  std::string text = head + (!b.finished ? "START " : b.ok ? "OK created " : "ERROR creating ") + what;
  if (options_.json) {
    log::Fields f = {{"event", b.finished ? "batch_finish" : "batch_start"},
                     {"unique_id", info.id},
                     {"batch", b.label},
                     {"batch_start", b.start},
                     {"batch_end", b.end},
                     {"index", std::to_string(b.index)},
                     {"total", std::to_string(b.total)}};
    if (b.finished) {
      f.push_back({"status", b.ok ? "success" : "error"});
      f.push_back({"execution_time", fmt::format("{:.3f}", b.seconds)});
      if (b.ok) f.push_back({"rows_affected", std::to_string(b.rows)});
      if (!b.ok) f.push_back({"message", b.message});
    }
    log::write(b.finished && !b.ok ? log::Level::kError : log::Level::kInfo, text, f);
    return;
  }
  if (options_.quiet && (!b.finished || b.ok)) return;
  std::string tag = !b.finished ? "RUN"
                    : b.ok      ? "OK " + std::to_string(b.rows) + " " + seconds(b.seconds)
                                : "ERROR " + seconds(b.seconds);
  line(dotted_line(text, tag));
}

void ProgressPrinter::print_summary(const exec::RunOutcome& outcome) {
  std::lock_guard lock(mutex_);
  int pass = 0, warn = 0, error = 0, skip = 0, partial = 0;
  std::map<std::string, int> kinds;
  for (const auto& r : outcome.results) {
    switch (r.outcome.status) {
      case exec::Status::kSuccess:
      case exec::Status::kPass:
        ++pass;
        break;
      case exec::Status::kWarn:
        ++warn;
        break;
      case exec::Status::kError:
      case exec::Status::kFail:
        ++error;
        break;
      case exec::Status::kSkipped:
        ++skip;
        break;
      case exec::Status::kPartialSuccess:
        ++partial;
        break;
    }
    ++kinds[r.info->kind == "unit_test" ? "unit test" : r.info->kind];
  }
  std::string counts;
  for (const auto& [k, n] : kinds) {
    counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + k + (n == 1 ? "" : "s");
  }
  double e = outcome.elapsed;
  std::string done = fmt::format("Done. PASS={} WARN={} ERROR={} SKIP={} NO-OP=0 TOTAL={}", pass, warn, error,
                                 skip, outcome.results.size());
  std::string head = fmt::format("Finished running {} in {} hours {} minutes and {:.2f} seconds ({:.2f}s).",
                                 counts.empty() ? "nothing" : counts, static_cast<int>(e / 3600),
                                 static_cast<int>(e / 60) % 60, e - 60 * static_cast<int>(e / 60), e);
  std::string verdict;
  if (outcome.cancelled) {
    verdict = "Cancelled: the run was interrupted";
  } else if (error == 0 && partial == 0 && warn == 0) {
    verdict = "Completed successfully";
  } else if (error == 0 && partial == 0) {
    verdict = fmt::format("Completed with {} warning{}:", warn, warn == 1 ? "" : "s");
  } else {
    verdict =
        fmt::format("Completed with {} error{}, {} partial success{}, and {} warning{}:", error,
                    error == 1 ? "" : "s", partial, partial == 1 ? "" : "es", warn, warn == 1 ? "" : "s");
  }
  if (options_.json) {
    log::write(error > 0 ? log::Level::kError : log::Level::kInfo, verdict,
               {{"event", "run_finish"},
                {"pass", std::to_string(pass)},
                {"warn", std::to_string(warn)},
                {"error", std::to_string(error)},
                {"skip", std::to_string(skip)},
                {"total", std::to_string(outcome.results.size())},
                {"elapsed", fmt::format("{:.3f}", e)}});
    return;
  }
  if (options_.live) out_ << "\r\033[K";
  if (!options_.quiet) out_ << "\n" << head << "\n\n" << verdict << "\n";
  for (const auto& r : outcome.results) {
    exec::Status s = r.outcome.status;
    if (s != exec::Status::kError && s != exec::Status::kFail && s != exec::Status::kWarn &&
        s != exec::Status::kPartialSuccess)
      continue;
    if (options_.quiet && s != exec::Status::kError && s != exec::Status::kFail) continue;
    out_ << "\n"
         << (s == exec::Status::kWarn ? "Warning in " : "Failure in ") << r.info->kind << " " << r.info->id
         << "\n  " << r.outcome.message << "\n";
  }
  if (!options_.quiet) out_ << "\n" << done << "\n";
  out_.flush();
}

}  // namespace pond::dbt
