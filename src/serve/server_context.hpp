#pragma once
// What every session of one `pond serve` shares: the DuckDB database the lake is shown in, the
// lake's views kept at the newest snapshot, the users, and the sessions that may be cancelled.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "lake/lake.hpp"
#include "serve/catalog_compat.hpp"
#include "serve/login_throttle.hpp"
#include "serve/policy.hpp"
#include "serve/scram.hpp"
#include "serve/users.hpp"

namespace pond::serve {

// How clients authenticate: SCRAM-SHA-256 against `users` (bearer tokens over HTTP), or (no
// users file) trust for loopback clients only.
struct AuthConfig {
  std::shared_ptr<UsersSource> users = std::make_shared<UsersSource>();
  bool trust_loopback = false;
  bool require_tls = false;  // refuse clients that did not negotiate TLS (28000)
  // Ask clients that negotiated TLS for the password itself (PostgreSQL's `password` method,
  // for clients without SCRAM); others still use SCRAM.
  bool cleartext_over_tls = false;
};

// The lake shown as views in the server's database. refresh() moves them to the newest
// snapshot in one DuckDB transaction, so a statement sees either all old or all new views.
class LakeViews {
 public:
  LakeViews(engine::Database& db, const lake::LakeConfig& config);
  // Thread-safe; returns the snapshot the views show.
  std::int64_t refresh();
  // The lake's data folder (absolute, ends with '/'; a URL for object storage).
  const std::string& data_root() const { return lake_.data_root(); }
  // The lake's tables and views at the newest refresh (what the authorizer resolves against).
  std::shared_ptr<const LakeObjects> objects();
  // From now on each refresh records which relations each role may read (pond_catalog); once now.
  void set_policies(std::shared_ptr<const Policies> policies);
  std::shared_ptr<const Policies> policies();
  // The catalog (an in-memory database attached to the server's) holding the lake's views at
  // the snapshot `ref` names, made on first use and kept until the server stops (at most
  // kMaxPinnedSnapshots). Returns {catalog, snapshot id}. SqlError 22023 for an unknown snapshot.
  std::pair<std::string, std::int64_t> pinned_catalog(const lake::SnapshotRef& ref);
  static constexpr std::size_t kMaxPinnedSnapshots = 64;

 private:
  std::mutex mu_;
  lake::Lake lake_;
  engine::Connection con_;
  std::int64_t snapshot_ = -1;
  std::shared_ptr<const LakeObjects> objects_ = std::make_shared<LakeObjects>();
  std::shared_ptr<const Policies> policies_ = std::make_shared<Policies>();
  std::set<std::int64_t> pinned_;  // snapshots with a catalog of their own
};

// Sessions by process id, for CancelRequest: only the right secret cancels, and only that session.
class CancelRegistry {
 public:
  void add(std::int32_t pid, std::int32_t secret, engine::Connection* con);
  void remove(std::int32_t pid);
  // True when a session matched (its running statement, if any, is interrupted).
  bool cancel(std::int32_t pid, std::int32_t secret);

 private:
  struct Entry {
    std::int32_t secret;
    engine::Connection* con;
  };
  std::mutex mu_;
  std::map<std::int32_t, Entry> sessions_;
};

// Clients may read files only under `data_root` (the lake's parquet files, which the views
// read), cannot ATTACH, COPY to files or install extensions, and cannot change that back
// (DuckDB refuses to re-enable external access on a running database).
// `export_folder` (optional): the server's own folder for Parquet results, writable too.
void restrict_file_access(engine::Connection& con, const std::string& data_root,
                          const std::string& export_folder = {});

struct ServerContext {
  engine::Database db;
  std::unique_ptr<CatalogCompat> catalog;
  std::unique_ptr<LakeViews> views;
  AuthConfig auth;
  std::string mock_key;  // random per server: unknown users' fake SCRAM salts
  CancelRegistry cancels;
  LoginThrottle logins;       // failed logins per client address (wire and HTTP)
  std::string export_folder;  // where Parquet results are written (empty: not offered)
};

}  // namespace pond::serve
