#include "orchestrate/command_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <system_error>

#include "common/scope_guard.hpp"

extern char** environ;

namespace pond::orchestrate {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kTailLines = 20;
constexpr std::size_t kMaxLine = 16384;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

void make_pipe(Fd& read_end, Fd& write_end) {
  int fd[2];
  if (::pipe2(fd, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot create a pipe");
  read_end.reset(fd[0]);
  write_end.reset(fd[1]);
}

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
  Fd out_r, out_w, err_r, err_w;
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  ScopeGuard fa_guard([&] { posix_spawn_file_actions_destroy(&fa); });
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());

  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    std::string key(entry.substr(0, entry.find('=')));
    if (!spec.env.count(key)) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);

  // A process group of its own (so that a timeout or cancel reaches everything it started), and
  // the signal mask and handlers pond changed (cli/interrupt.hpp) back to the defaults.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  ScopeGuard attr_guard([&] { posix_spawnattr_destroy(&attr); });
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, c_args[0], &fa, &attr, c_args.data(), envp.data());
  if (rc != 0) {
    result.start_error = std::strerror(rc);
    return result;
  }
  result.started = true;
  out_w.reset();
  err_w.reset();

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
  std::array<pollfd, 2> fds{pollfd{out_r.get(), POLLIN, 0}, pollfd{err_r.get(), POLLIN, 0}};
  int status = 0;
  bool exited = false;
  bool terminating = false;
  Clock::time_point term_sent;
  Clock::time_point deadline = spec.timeout ? t0 + *spec.timeout : Clock::time_point::max();
  char buf[16384];
  auto drain = [&](int timeout_ms) {
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        lines[i].feed(std::string_view(buf, static_cast<std::size_t>(n)), emit_for(static_cast<int>(i)));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
      }
    }
  };
  while (!exited) {
    drain(50);
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) exited = true;
    if (exited) break;
    auto now = Clock::now();
    if (!terminating && (cancelled.load() || now >= deadline)) {
      result.cancelled = cancelled.load();
      result.timed_out = !result.cancelled;
      ::kill(-pid, SIGTERM);
      terminating = true;
      term_sent = now;
    } else if (terminating && now - term_sent >= spec.grace) {
      ::kill(-pid, SIGKILL);
    }
  }
  // The command is done: whatever it left running in its group goes with it, and what they
  // wrote before is read to the end.
  ::kill(-pid, SIGKILL);
  for (int k = 0; k < 20 && (fds[0].fd >= 0 || fds[1].fd >= 0); ++k) drain(10);
  lines[0].finish(emit_for(0));
  lines[1].finish(emit_for(1));
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  result.stderr_tail.assign(tail.begin(), tail.end());
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace pond::orchestrate
