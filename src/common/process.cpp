#include "common/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "common/error.hpp"

extern char** environ;

namespace pond {

namespace {

// Both ends of a pipe, closed on destruction.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0)
      throw std::system_error(errno, std::generic_category(), "cannot create a pipe");
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

// posix_spawn's file actions, destroyed on scope exit.
struct FileActions {
  posix_spawn_file_actions_t a;
  FileActions() { posix_spawn_file_actions_init(&a); }
  ~FileActions() { posix_spawn_file_actions_destroy(&a); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

// posix_spawn's attributes, destroyed on scope exit.
struct SpawnAttr {
  posix_spawnattr_t a;
  SpawnAttr() { posix_spawnattr_init(&a); }
  ~SpawnAttr() { posix_spawnattr_destroy(&a); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
};

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ChildStartError::ChildStartError(const std::string& program, std::string reason)
    : UserError("cannot run '" + program + "': " + reason,
                "install " + program + " (it must be on the PATH)"),
      reason_(std::move(reason)) {}

ChildProcess::ChildProcess(const ChildSpec& spec) : group_(spec.own_process_group) {
  POND_ASSERT(!spec.argv.empty(), "a child process needs a program");
  Pipe in, out, err;
  FileActions fa;
  if (spec.pipe_stdin)
    posix_spawn_file_actions_adddup2(&fa.a, in.fd[0], 0);
  else
    posix_spawn_file_actions_addopen(&fa.a, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa.a, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa.a, err.fd[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa.a, spec.cwd.c_str());

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

  // pond blocks SIGINT/SIGTERM in its threads (cli/interrupt.hpp); the child gets the default
  // mask and handlers back, so Ctrl-C stops it too.
  SpawnAttr attr;
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr.a, &none);
  posix_spawnattr_setsigdefault(&attr.a, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (group_) {
    posix_spawnattr_setpgroup(&attr.a, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr.a, flags);
  int rc = posix_spawnp(&pid_, c_args[0], &fa.a, &attr.a, c_args.data(), envp.data());
  if (rc != 0) {
    throw ChildStartError(spec.argv[0], std::strerror(rc));
  }
  if (spec.pipe_stdin) std::swap(in_, in.fd[1]);
  std::swap(out_, out.fd[0]);
  std::swap(err_, err.fd[0]);
  // Not reaped before this call, so the pid cannot have been reused yet.
  exit_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
}

ChildProcess::~ChildProcess() {
  close_in();
  if (!reaped_) {
    signal(SIGKILL);
    wait();
  } else if (group_) {
    ::kill(-pid_, SIGKILL);  // what it left running in its group goes with it
  }
  if (out_ >= 0) ::close(out_);
  if (err_ >= 0) ::close(err_);
  if (exit_fd_ >= 0) ::close(exit_fd_);
}

void ChildProcess::close_in() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

void ChildProcess::signal(int sig) {
  if (reaped_) return;
  ::kill(group_ ? -pid_ : pid_, sig);
}

bool ChildProcess::try_wait(int& exit_code) {
  if (!reaped_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    reaped_ = true;
    exit_code_ = exit_code_of(status);
  }
  exit_code = exit_code_;
  return true;
}

int ChildProcess::wait() {
  if (!reaped_) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    exit_code_ = exit_code_of(status);
  }
  return exit_code_;
}

ChildResult run_child(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                      const std::map<std::string, std::string>& env) {
  ChildProcess child(ChildSpec{argv, cwd, env});
  ChildResult result;
  std::array<pollfd, 2> fds{pollfd{child.out_fd(), POLLIN, 0}, pollfd{child.err_fd(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  int open_count = 2;
  char buf[16384];
  while (open_count > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  result.exit_code = child.wait();
  return result;
}

}  // namespace pond
