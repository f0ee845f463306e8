#pragma once
// One client's session: the protocol state machine from StartupMessage to Terminate, with its
// own DuckDB connection. It consumes decoded messages and appends the answers to a
// MessageWriter; the server does the I/O. One thread at a time.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/connection.hpp"
#include "engine/prepared_statement.hpp"
#include "engine/result.hpp"
#include "serve/client_settings.hpp"
#include "serve/copy_out.hpp"
#include "serve/scram.hpp"
#include "serve/server_context.hpp"
#include "serve/sqlstate.hpp"
#include "serve/wire_decode.hpp"
#include "serve/wire_encode.hpp"

namespace pond::serve {

// What a session knows of its connection.
struct Peer {
  bool loopback = false;
  std::string host;  // the client's address, for error messages
  bool tls = false;
  std::string tls_end_point;     // the certificate hash for SCRAM-SHA-256-PLUS (empty: not offered)
  std::string client_cert_user;  // the verified client certificate's common name ("" : none)
};

class Session {
 public:
  Session(ServerContext& ctx, std::int32_t process_id, Peer peer);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start(const StartupMessage& startup);
  // One typed message (type byte and body). Protocol errors end the session (closed()).
  void handle(char type, std::span<const std::uint8_t> body);
  // Sends a FATAL error and closes (protocol errors found by the server, e.g. a bad length).
  void fail(const std::string& sqlstate, const std::string& message);

  // Called with the output buffer when a large result has filled it; it writes and clears it.
  void set_flusher(std::function<void(std::string&)> flusher);

  MessageWriter& out() { return out_; }
  bool closed() const { return phase_ == Phase::kClosed; }
  bool authenticated() const { return phase_ == Phase::kReady; }

 private:
  enum class Phase { kStartup, kSaslInitial, kSaslFinal, kPassword, kReady, kClosed };

  // A prepared statement (Parse): empty `sql` is the empty query.
  struct Statement {
    std::string sql;
    std::optional<engine::PreparedStatement> prepared;
    std::optional<engine::PreparedStatement> as_text;  // the query with every column cast to VARCHAR
    std::vector<FieldDescription> fields;
    std::vector<engine::ColumnType> types;
    std::vector<std::int32_t> parameter_oids;
    std::vector<engine::TypeId> parameter_types;  // as DuckDB planned them, to bind text values typed
    std::string tag;                              // the command tag's verb
    std::optional<CopyOptions> copy;              // COPY (query) TO STDOUT: rows go out as CopyData
    // SET/RESET pond.snapshot: the catalog the session reads once it ran ("" = the latest views).
    std::optional<std::string> pin_catalog;
  };
  // A bound statement (Bind), executed on its first Execute and read row by row.
  struct Portal {
    std::shared_ptr<Statement> statement;
    std::vector<std::optional<std::string>> parameters;
    std::vector<std::int16_t> formats;  // per result column: 0 text, 1 binary (empty: all text)
    std::optional<engine::Result> result;
    std::optional<engine::Chunk> chunk;
    std::size_t row = 0;
    std::uint64_t rows_sent = 0;
    bool done = false;
  };

  void authenticate(const std::string& body);
  void check_password(const std::string& body);
  void login_failed();
  void finish_startup();
  void simple_query(const std::string& sql);
  void parse(const Parse& p);
  void bind(const Bind& b);
  void describe(const Describe& d);
  void execute(const Execute& e);
  void close(const Close& c);
  void sync();

  // `declared`: the parameter type OIDs a Parse message gave (0 = unspecified).
  std::shared_ptr<Statement> prepare(const std::string& sql, std::span<const std::int32_t> declared = {});
  // Runs a portal to completion or `max_rows`; sends rows and CommandComplete/PortalSuspended.
  void run_portal(Portal& portal, std::int64_t max_rows);
  // COPY TO STDOUT: CopyOutResponse, a CopyData per row, CopyDone, `COPY n` (row limits do not apply).
  void run_copy(Portal& portal);
  // Binds the portal's parameters and runs its statement, once.
  void start_portal(Portal& portal);
  void before_statement();
  void after_statement(const Statement& s);
  // SET/RESET/SHOW pond.snapshot (and pond.as_of): the statement DuckDB runs, nullopt for others.
  std::optional<ClientSettingStatement> snapshot_pin(Statement& s);
  void send_error(const std::exception& e);
  char transaction_status() const;

  ServerContext& ctx_;
  std::int32_t process_id_;
  std::int32_t secret_;
  Peer peer_;
  Phase phase_ = Phase::kStartup;
  std::string user_;
  // The session's role (fixed at login; pond.yml changes need a restart) and the policies it is in.
  std::shared_ptr<const Policies> policies_;
  const RolePolicy* role_ = nullptr;
  std::optional<ScramServer> scram_;
  engine::Connection con_;
  MessageWriter out_;
  std::function<void(std::string&)> flusher_;
  std::map<std::string, std::shared_ptr<Statement>> statements_;
  std::map<std::string, Portal> portals_;
  bool in_transaction_ = false;
  bool transaction_failed_ = false;
  bool skip_to_sync_ = false;
  bool pinned_ = false;  // reading a pinned snapshot's catalog (SET pond.snapshot)
};

}  // namespace pond::serve
