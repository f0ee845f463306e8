#include "dbt/python_model.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/process.hpp"

namespace pond::dbt {

namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;  // the model's own output kept for its error

// Blocks SIGPIPE in this thread while a child's stdin is written, so that a child that died
// makes write() fail with EPIPE instead of killing pond; a SIGPIPE left pending is consumed.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~NoSigpipe() {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  NoSigpipe(const NoSigpipe&) = delete;
  NoSigpipe& operator=(const NoSigpipe&) = delete;

 private:
  sigset_t pipe_{}, old_{};
};

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw UserError("cannot write " + path.string(), ExitCode::kStepFailed);
}

// The model's failure as the node's error: the traceback (file:line of the .py model), what it
// printed, and a hint when pandas is what is missing.
UserError model_error(const std::string& what, const std::string& output, const std::string& python) {
  std::string message = what;
  if (!output.empty()) message += "\nmodel output:\n" + output;
  std::string hint;
  if (what.find("No module named 'pandas'") != std::string::npos ||
      what.find("pandas is not installed") != std::string::npos)
    hint = "install pandas for " + python +
           " (Debian: apt-get install python3-pandas), or set POND_PYTHON to a python3 that has it";
  return UserError(message, hint, ExitCode::kStepFailed);
}

}  // namespace

std::string python_executable() {
  const char* env = std::getenv("POND_PYTHON");
  return env && *env ? env : "python3";
}

PythonModel::PythonModel(materialize::Session& session, PythonModelRun run) : run_(std::move(run)) {
  std::error_code ec;
  std::filesystem::create_directories(run_.work_root, ec);
  std::string pattern = (run_.work_root / (run_.name + "-XXXXXX")).string();
  if (ec || ::mkdtemp(pattern.data()) == nullptr)
    throw UserError("cannot create a work folder for the Python model in " + run_.work_root.string(),
                    ExitCode::kStepFailed);
  work_ = pattern;
  requests_.emplace(session, work_, "__pond_py_" + run_.name + "_");
}

PythonModel::~PythonModel() {
  requests_.reset();
  std::error_code ec;
  std::filesystem::remove_all(work_, ec);
}

std::string PythonModel::run(const std::atomic<bool>& cancelled) {
  const EmbeddedFile& runtime = python_runtime_files().front();
  std::filesystem::path runtime_path = work_ / runtime.path;
  std::filesystem::path model_path = work_ / "model.py";
  write_file(runtime_path, runtime.content);
  write_file(model_path, run_.code);

  std::string python = python_executable();
  std::optional<ChildProcess> child;
  try {
    child.emplace(ChildSpec{
        {python, "-B", runtime_path.string(), model_path.string(), work_.string(), run_.display_path},
        run_.project_root,
        {},
        true,
        true});
  } catch (const ChildStartError& e) {
    throw UserError("cannot run the Python model: '" + python + "' cannot be started: " + e.reason(),
                    "install python3 (Debian: apt-get install python3 python3-pandas) or set POND_PYTHON "
                    "to a python3 executable",
                    ExitCode::kStepFailed);
  }
  NoSigpipe no_sigpipe;
  std::string protocol, output;
  bool answered_result = false;
  std::array<pollfd, 2> fds{pollfd{child->out_fd(), POLLIN, 0}, pollfd{child->err_fd(), POLLIN, 0}};
  char buf[65536];
  auto handle_lines = [&] {
    for (std::size_t nl; (nl = protocol.find('\n')) != std::string::npos;) {
      std::string line = protocol.substr(0, nl);
      protocol.erase(0, nl + 1);
      nlohmann::json request = nlohmann::json::parse(line, nullptr, false);
      if (request.is_discarded())
        throw UserError("Python model protocol: a request is not JSON: " + line.substr(0, 200),
                        ExitCode::kStepFailed);
      nlohmann::json response = requests_->handle(request);
      if (request.value("op", "") == "result") answered_result = true;
      if (!write_all(child->in_fd(), response.dump() + "\n")) break;  // it exited; its status says why
    }
  };
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (cancelled.load()) {
      child->signal(SIGKILL);
      throw UserError("cancelled (interrupted)", ExitCode::kInterrupted);
    }
    int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll");
    for (std::size_t i = 0; ready > 0 && i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        continue;
      }
      if (i == 0) {
        protocol.append(buf, static_cast<std::size_t>(n));
        handle_lines();
      } else {
        output.append(buf, static_cast<std::size_t>(n));
        if (output.size() > 2 * kMaxOutput) output.erase(0, output.size() - kMaxOutput);
      }
    }
  }
  child->close_in();
  int code = child->wait();
  while (!output.empty() && output.back() == '\n') output.pop_back();
  if (requests_->traceback()) throw model_error(*requests_->traceback(), output, python);
  if (!answered_result || !requests_->result_sql() || code != 0)
    throw model_error("the Python model's process (" + python + ") exited with code " + std::to_string(code) +
                          " before handing back its result",
                      output, python);
  // What the model printed (dbt-duckdb runs models in-process, so print() reaches the terminal);
  // a failed model carries it in its error instead.
  if (!output.empty()) log::info("python model {} printed:\n{}", run_.name, output);
  return *requests_->result_sql();
}

}  // namespace pond::dbt
