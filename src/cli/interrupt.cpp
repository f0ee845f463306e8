#include "cli/interrupt.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "common/log.hpp"

namespace pond::cli {

namespace {
sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // our own "stop watching" wake-up
  return set;
}
}  // namespace

InterruptWatcher::InterruptWatcher() {
  sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { run(); });
}

InterruptWatcher::~InterruptWatcher() {
  stopping_ = true;
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

void InterruptWatcher::run() {
  sigset_t set = watched_signals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (stopping_) return;
    if (sig == SIGUSR1) continue;
    if (cancellation_.requested()) {
      // Second signal: the user means it.
      static const char msg[] = "\ninterrupted again: exiting now\n";
      [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
      _exit(130);
    }
    log::warn("interrupted: stopping (press Ctrl-C again to exit immediately)");
    cancellation_.request();
  }
}

}  // namespace pond::cli
