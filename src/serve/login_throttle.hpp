#pragma once
// Failed-login rate limiting (docs/serve.md "Authentication"): after too many failed logins
// from one client address within a window, that address may not try again until the window
// has passed. Per address, not per user: a per-user lockout would let anyone lock a user out.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace pond::serve {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  // pond serve's: 5 failures within 60 s.
  LoginThrottle() : LoginThrottle(5, std::chrono::seconds(60)) {}
  LoginThrottle(int max_failures, std::chrono::seconds window)
      : max_failures_(max_failures), window_(window) {}

  // Whole seconds until `host` may try to log in again; 0: it may now.
  std::int64_t blocked_for(const std::string& host, Clock::time_point now = Clock::now());
  void failed(const std::string& host, Clock::time_point now = Clock::now());
  // A successful login forgets the address's failures.
  void succeeded(const std::string& host);

 private:
  void expire(std::deque<Clock::time_point>& failures, Clock::time_point now) const;

  int max_failures_;
  std::chrono::seconds window_;
  std::mutex mu_;
  std::map<std::string, std::deque<Clock::time_point>> failures_;  // by address, oldest first
};

}  // namespace pond::serve
