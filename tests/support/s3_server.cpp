#include "support/s3_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace pond::test {

namespace {

std::filesystem::path s3rver_script() {
  return std::filesystem::path(POND_SOURCE_DIR) / "tests/s3server/node_modules/s3rver/bin/s3rver.js";
}

}  // namespace

std::unique_ptr<S3Server> S3Server::start(std::string& why, const Tls* tls) {
  auto script = s3rver_script();
  if (!std::filesystem::exists(script)) {
    why = script.string() + " is missing: run scripts/setup (it installs tests/s3server from npm)";
    return nullptr;
  }
  auto server = std::unique_ptr<S3Server>(new S3Server());
  auto data = server->dir_ / "data";
  auto log = server->dir_ / "s3rver.log";
  std::filesystem::create_directories(data);
  // s3rver encrypts continuation tokens with a cipher OpenSSL 3 keeps in its legacy provider.
  std::vector<std::string> args = {"node",
                                   "--openssl-legacy-provider",
                                   script.string(),
                                   "-d",
                                   data.string(),
                                   "-a",
                                   "127.0.0.1",
                                   "-p",
                                   "0",
                                   "--configure-bucket",
                                   kBucket,
                                   "--no-vhost-buckets"};
  if (tls) {
    args.insert(args.end(), {"--key", tls->key.string(), "--cert", tls->cert.string()});
    server->tls_ = true;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  int rc = posix_spawnp(&server->pid_, "node", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    why = "cannot start node (apt-get install nodejs npm)";
    server->pid_ = 0;
    return nullptr;
  }
  // s3rver prints "S3rver listening on 127.0.0.1:PORT" once it accepts connections.
  for (int i = 0; i < 300; ++i) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    auto at = text.str().find("listening on 127.0.0.1:");
    if (at != std::string::npos) {
      server->port_ = std::atoi(text.str().c_str() + at + 23);
      if (server->port_ > 0) return server;
    }
    int status = 0;
    if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = 0;
      why = "s3rver exited at start: " + text.str();
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  why = "s3rver did not start listening within 15 s";
  return nullptr;
}

S3Server::~S3Server() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void S3Server::kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }
}

std::string S3Server::log() const {
  return read_file(dir_ / "s3rver.log");
}

std::string S3Server::endpoint() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

}  // namespace pond::test
