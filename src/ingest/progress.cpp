#include "ingest/progress.hpp"

#include <fmt/format.h>

namespace pond::ingest {

namespace {

std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string LoadProgress::size(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} {}", bytes, units[u]) : fmt::format("{:.1f} {}", bytes, units[u]);
}

LoadProgress::LoadProgress(std::function<void(const std::string&)> show,
                           std::function<void(const ProgressNumbers&)> tick)
    : show_(std::move(show)), tick_(std::move(tick)), started_(std::chrono::steady_clock::now()) {
  if (show_ || tick_) thread_ = std::thread([this] { loop(); });
}

LoadProgress::~LoadProgress() {
  finish();
}

void LoadProgress::set_stage(std::string stage) {
  std::lock_guard lock(mutex_);
  stage_ = std::move(stage);
}

ProgressNumbers LoadProgress::numbers() const {
  ProgressNumbers n;
  n.rows = rows_.load(std::memory_order_relaxed);
  n.bytes = bytes_.load(std::memory_order_relaxed);
  n.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (n.seconds > 0) {
    n.rows_per_second = static_cast<double>(n.rows) / n.seconds;
    n.bytes_per_second = static_cast<double>(n.bytes) / n.seconds;
  }
  return n;
}

void LoadProgress::finish() {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string LoadProgress::describe(const ProgressNumbers& n) {
  return fmt::format("{} rows ({} rows/s), {} ({}/s)", grouped(n.rows),
                     grouped(static_cast<std::int64_t>(n.rows_per_second)),
                     size(static_cast<double>(n.bytes)), size(n.bytes_per_second));
}

void LoadProgress::loop() {
  using namespace std::chrono_literals;
  auto last_tick = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  // Every quarter second at most; a load quicker than that shows nothing.
  while (!wake_.wait_for(lock, 250ms, [this] { return done_; })) {
    ProgressNumbers n = numbers();
    if (show_)
      show_(n.rows == 0 && !stage_.empty() ? fmt::format("{}, {}s", stage_, static_cast<int>(n.seconds))
                                           : describe(n));
    if (tick_ && std::chrono::steady_clock::now() - last_tick >= 1s) {
      last_tick = std::chrono::steady_clock::now();
      tick_(n);
    }
  }
}

}  // namespace pond::ingest
