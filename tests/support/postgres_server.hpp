#pragma once
// A throwaway PostgreSQL server for tests: initdb + pg_ctl from Debian's postgresql package
// in a temporary folder, listening on a unix socket only. As root it runs as the
// `postgres` user (PostgreSQL refuses to run as root).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pond::test {

class PostgresServer {
 public:
  // Starts a server, or returns nullopt (with `why`) when the binaries are missing.
  static std::unique_ptr<PostgresServer> start(std::string& why) {
    std::filesystem::path bin;
    for (const char* v : {"17", "16", "15", "14", "13"}) {
      std::filesystem::path p = std::filesystem::path("/usr/lib/postgresql") / v / "bin";
      if (std::filesystem::exists(p / "initdb") && std::filesystem::exists(p / "pg_ctl")) {
        bin = p;
        break;
      }
    }
    if (bin.empty()) {
      why = "PostgreSQL server binaries not found (apt-get install postgresql)";
      return nullptr;
    }
    auto server = std::unique_ptr<PostgresServer>(new PostgresServer(bin));
    if (!server->boot(why)) return nullptr;
    return server;
  }
  ~PostgresServer() { run({(bin_ / "pg_ctl").string(), "-D", data_.string(), "stop", "-m", "immediate"}); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // libpq connection string of a fresh database.
  std::string conninfo(const std::string& dbname = "postgres") const {
    return "host=" + socket_dir_.string() + " port=" + std::to_string(port_) +
           " user=postgres dbname=" + dbname;
  }
  // Creates a database for one test (each lake gets its own catalog).
  std::string create_database(const std::string& name) {
    run_process({"/usr/bin/psql", "-h", socket_dir_.string(), "-p", std::to_string(port_), "-U", "postgres",
                 "-c", "CREATE DATABASE " + name, "postgres"});
    return conninfo(name);
  }

 private:
  explicit PostgresServer(std::filesystem::path bin) : bin_(std::move(bin)) {}

  ProcessResult run(std::vector<std::string> argv) {
    if (geteuid() == 0) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    ProcessOptions o;
    o.timeout = std::chrono::milliseconds(60000);
    return run_process(argv, o);
  }

  bool boot(std::string& why) {
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::all,
                                 std::filesystem::perm_options::add);
    data_ = dir_ / "data";
    socket_dir_ = dir_ / "sock";
    std::filesystem::create_directories(socket_dir_);
    if (geteuid() == 0) {
      auto r = run_process({"/bin/chown", "postgres", socket_dir_.string(), dir_.path().string()});
      if (r.exit_code != 0) {
        why = "cannot hand the folder to the postgres user: " + r.err;
        return false;
      }
    }
    port_ = 40000 + static_cast<int>(getpid() % 20000);
    auto init =
        run({(bin_ / "initdb").string(), "-D", data_.string(), "-A", "trust", "-U", "postgres", "--no-sync"});
    if (init.exit_code != 0) {
      why = "initdb failed: " + init.out + init.err;
      return false;
    }
    auto start =
        run({(bin_ / "pg_ctl").string(), "-D", data_.string(), "-l", (dir_ / "sock/log").string(), "-o",
             "-p " + std::to_string(port_) + " -k " + socket_dir_.string() +
                 " -c listen_addresses='' -c fsync=off -c synchronous_commit=off",
             "start", "-w"});
    if (start.exit_code != 0) {
      why = "pg_ctl start failed: " + start.out + start.err;
      return false;
    }
    return true;
  }

  std::filesystem::path bin_;
  TempDir dir_;
  std::filesystem::path data_;
  std::filesystem::path socket_dir_;
  int port_ = 0;
};

}  // namespace pond::test
