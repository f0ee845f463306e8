#pragma once
// A long-running child process for end-to-end tests of servers (`pond ui`): started in a folder,
// its standard output read line by line, stopped with SIGINT (SIGKILL after a grace period).
#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace pond::test {

class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& argv, const std::filesystem::path& cwd);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // The first submatch of the first output line matching `pattern`; nullopt when the process
  // ends or `timeout` passes first. Everything read so far is in output().
  std::optional<std::string> wait_for(const std::regex& pattern,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  const std::string& output() const { return out_; }
  // Sends SIGINT and waits; returns the exit code (128+N for signal N).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  int pid_ = -1;
  int fd_ = -1;
  std::string out_;
  std::size_t scanned_ = 0;
  std::optional<int> exit_code_;
};

}  // namespace pond::test
