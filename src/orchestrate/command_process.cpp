#include "orchestrate/command_process.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <deque>
#include <optional>

#include "common/process.hpp"

namespace pond::orchestrate {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kTailLines = 20;
constexpr std::size_t kMaxLine = 16384;

// Splits a stream into lines as bytes arrive.
class LineBuffer {
 public:
  template <typename F>
  void feed(std::string_view data, F&& emit) {
    buf_.append(data);
    std::size_t start = 0;
    for (std::size_t nl; (nl = buf_.find('\n', start)) != std::string::npos; start = nl + 1)
      emit(std::string_view(buf_).substr(start, nl - start));
    buf_.erase(0, start);
    if (buf_.size() > kMaxLine) {  // a very long line without a newline: pass it on in pieces
      emit(std::string_view(buf_));
      buf_.clear();
    }
  }
  template <typename F>
  void finish(F&& emit) {
    if (!buf_.empty()) emit(std::string_view(buf_));
    buf_.clear();
  }

 private:
  std::string buf_;
};

}  // namespace

CommandResult run_command(const CommandSpec& spec, const std::atomic<bool>& cancelled,
                          const std::function<void(bool, std::string_view)>& on_line) {
  CommandResult result;
  auto t0 = Clock::now();
  // A process group of its own, so that a timeout or cancel reaches everything it started.
  std::optional<ChildProcess> child;
  try {
    child.emplace(ChildSpec{spec.argv, spec.cwd, spec.env, false, true});
  } catch (const ChildStartError& e) {
    result.start_error = e.reason();
    return result;
  }
  result.started = true;

  std::deque<std::string> tail;
  std::array<LineBuffer, 2> lines;
  auto emit_for = [&](int stream) {
    return [&, stream](std::string_view line) {
      if (stream == 1) {
        tail.emplace_back(line);
        if (tail.size() > kTailLines) tail.pop_front();
      }
      if (on_line) on_line(stream == 1, line);
    };
  };
  // stdout, stderr and the child's exit: a command that exits is seen at once, not at the next
  // poll timeout (that would add up to 50 ms to every command step).
  std::array<pollfd, 3> fds{pollfd{child->out_fd(), POLLIN, 0}, pollfd{child->err_fd(), POLLIN, 0},
                            pollfd{child->exit_fd(), POLLIN, 0}};
  int exit_code = -1;
  bool terminating = false;
  Clock::time_point term_sent;
  Clock::time_point deadline = spec.timeout ? t0 + *spec.timeout : Clock::time_point::max();
  char buf[16384];
  auto drain = [&](int timeout_ms) {
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    for (std::size_t i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        lines[i].feed(std::string_view(buf, static_cast<std::size_t>(n)), emit_for(static_cast<int>(i)));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
      }
    }
  };
  while (true) {
    drain(50);
    if (child->try_wait(exit_code)) break;
    auto now = Clock::now();
    if (!terminating && (cancelled.load() || now >= deadline)) {
      result.cancelled = cancelled.load();
      result.timed_out = !result.cancelled;
      child->signal(SIGTERM);
      terminating = true;
      term_sent = now;
    } else if (terminating && now - term_sent >= spec.grace) {
      child->signal(SIGKILL);
    }
  }
  // The command is done: whatever it left running in its group goes with it, and what they
  // wrote before is read to the end.
  ::kill(-child->pid(), SIGKILL);
  fds[2].fd = -1;
  for (int k = 0; k < 20 && (fds[0].fd >= 0 || fds[1].fd >= 0); ++k) drain(10);
  lines[0].finish(emit_for(0));
  lines[1].finish(emit_for(1));
  result.exit_code = exit_code;
  result.stderr_tail.assign(tail.begin(), tail.end());
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace pond::orchestrate
