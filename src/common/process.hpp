#pragma once
// Child processes without a shell: a running child with pipes to its stdin, stdout and stderr
// (`ChildProcess`), and running a helper program (git, tar) to the end, capturing its output.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace pond {

// What a finished child left: its exit code (128+N when killed by signal N) and output.
struct ChildResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// How to start a child.
struct ChildSpec {
  std::vector<std::string> argv;           // argv[0] is looked up in PATH unless it holds a '/'
  std::filesystem::path cwd;               // empty: the current folder
  std::map<std::string, std::string> env;  // added to (or replacing in) pond's environment
  bool pipe_stdin = false;                 // false: stdin is /dev/null
  bool own_process_group = false;          // so that a signal reaches everything it starts
};

// A program that could not be started (not found, not executable); `reason` is strerror's text.
class ChildStartError : public UserError {
 public:
  ChildStartError(const std::string& program, std::string reason);
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

// A started child. Its stdout and stderr are pipes read by the owner (out_fd/err_fd), its stdin
// a pipe (in_fd) when asked for. The signal mask and handlers pond changed (cli/interrupt.hpp) are
// back to the defaults in the child. The destructor kills a child still running (its group when
// it has one) and reaps it, so no child outlives its owner.
class ChildProcess {
 public:
  // Throws ChildStartError when the program cannot be started.
  explicit ChildProcess(const ChildSpec& spec);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int in_fd() const { return in_; }
  int out_fd() const { return out_; }
  int err_fd() const { return err_; }
  // Readable (poll) once the child has exited, so waiting for output and exit can be one poll;
  // -1 on kernels without pidfd_open (callers then poll try_wait()).
  int exit_fd() const { return exit_fd_; }
  void close_in();  // the child reads end of file
  // Sends `sig` to the child (its whole group when it has one).
  void signal(int sig);
  // Non-blocking: the exit code (128+N when killed by signal N) once the child has exited.
  bool try_wait(int& exit_code);
  // Blocks until the child exits; returns its exit code.
  int wait();

 private:
  pid_t pid_ = -1;
  bool group_ = false;
  bool reaped_ = false;
  int exit_code_ = -1;
  int in_ = -1, out_ = -1, err_ = -1, exit_fd_ = -1;
};

// Runs argv[0] (looked up in PATH) with the arguments in `cwd` (empty: the current folder),
// with `env` added to the environment, and waits for it; stdin is /dev/null. A non-zero exit
// is returned, not thrown; a program that cannot be started is a UserError naming it.
ChildResult run_child(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {},
                      const std::map<std::string, std::string>& env = {});

}  // namespace pond
