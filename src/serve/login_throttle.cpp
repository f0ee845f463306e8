#include "serve/login_throttle.hpp"

namespace pond::serve {

namespace {
// Addresses remembered at most; beyond, expired entries are dropped first (memory stays bounded
// when many addresses fail once each).
constexpr std::size_t kMaxAddresses = 10000;
}  // namespace

void LoginThrottle::expire(std::deque<Clock::time_point>& failures, Clock::time_point now) const {
  while (!failures.empty() && now - failures.front() >= window_) failures.pop_front();
}

std::int64_t LoginThrottle::blocked_for(const std::string& host, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(host);
  if (it == failures_.end()) return 0;
  expire(it->second, now);
  if (static_cast<int>(it->second.size()) < max_failures_) return 0;
  // Blocked until the oldest failure that counts leaves the window.
  auto until = it->second[it->second.size() - static_cast<std::size_t>(max_failures_)] + window_;
  return std::chrono::ceil<std::chrono::seconds>(until - now).count();
}

void LoginThrottle::failed(const std::string& host, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (failures_.size() >= kMaxAddresses && !failures_.count(host)) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      expire(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
    // Still full of fresh failures: forget a quarter, so the next prune is thousands of logins away.
    while (failures_.size() > kMaxAddresses * 3 / 4) failures_.erase(failures_.begin());
  }
  auto& f = failures_[host];
  expire(f, now);
  f.push_back(now);
  while (f.size() > static_cast<std::size_t>(max_failures_)) f.pop_front();
}

void LoginThrottle::succeeded(const std::string& host) {
  std::lock_guard lock(mu_);
  failures_.erase(host);
}

}  // namespace pond::serve
