#pragma once
#include <exception>
#include <utility>

namespace pond {

// Runs a cleanup when the scope ends, however it ends (unless dismissed): the RAII form of
// "catch (...) { cleanup; throw; }". The cleanup must not throw; if it does, it is swallowed
// so that the error being unwound is the one reported.
template <typename F>
class ScopeGuard {
 public:
  explicit ScopeGuard(F fn) : fn_(std::move(fn)) {}
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  ~ScopeGuard() {
    if (active_) {
      try {
        fn_();
      } catch (...) {  // see above: never replace the error in flight
      }
    }
  }
  void dismiss() { active_ = false; }

 private:
  F fn_;
  bool active_ = true;
};

// Runs a cleanup only when the scope is left by an exception (a rollback, a half-written file).
template <typename F>
class OnFailure {
 public:
  explicit OnFailure(F fn) : fn_(std::move(fn)), exceptions_(std::uncaught_exceptions()) {}
  OnFailure(const OnFailure&) = delete;
  OnFailure& operator=(const OnFailure&) = delete;
  ~OnFailure() {
    if (std::uncaught_exceptions() > exceptions_) {
      try {
        fn_();
      } catch (...) {  // the error being unwound is the one that matters
      }
    }
  }

 private:
  F fn_;
  int exceptions_;
};

}  // namespace pond
