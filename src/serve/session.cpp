#include "serve/session.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/error.hpp"
#include "serve/authorize.hpp"
#include "serve/catalog_compat.hpp"
#include "serve/client_settings.hpp"
#include "serve/pg_binary.hpp"
#include "serve/pg_types.hpp"
#include "serve/snapshot_pin.hpp"
#include "serve/sql_error.hpp"
#include "serve/sql_split.hpp"
#include "serve/statement_guard.hpp"

namespace pond::serve {

namespace {

// Results are written out once this much is buffered, so memory stays bounded per session.
constexpr std::size_t kFlushBytes = 1 << 20;

std::int32_t random_secret() {
  std::int32_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1)
    throw InternalError("RAND_bytes failed");
  return v;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

}  // namespace

Session::Session(ServerContext& ctx, std::int32_t process_id, Peer peer)
    : ctx_(ctx), process_id_(process_id), secret_(random_secret()), peer_(std::move(peer)), con_(ctx.db) {}

Session::~Session() {
  if (phase_ == Phase::kReady || phase_ == Phase::kClosed) ctx_.cancels.remove(process_id_);
}

void Session::set_flusher(std::function<void(std::string&)> flusher) {
  flusher_ = std::move(flusher);
}

void Session::fail(const std::string& sqlstate, const std::string& message) {
  ErrorFields e;
  e.severity = "FATAL";
  e.code = sqlstate;
  e.message = message;
  out_.error_response(e);
  phase_ = Phase::kClosed;
}

void Session::start(const StartupMessage& startup) {
  if (phase_ != Phase::kStartup) return fail("08P01", "unexpected second startup packet");
  // As PostgreSQL 15: another major version is refused; a newer minor version or `_pq_.`
  // options (protocol extensions) get NegotiateProtocolVersion (3.0, the options not
  // recognized: all of them), and the startup goes on in 3.0.
  if (startup.major != 3) {
    std::string message = fmt::format("unsupported frontend protocol {}.{}: server supports 3.0 to 3.0",
                                      startup.major, startup.minor);
    if (startup.major > 3) return fail("0A000", message);
    out_.protocol2_fatal(message);
    phase_ = Phase::kClosed;
    return;
  }
  std::vector<std::string> unrecognized;
  for (const auto& [key, value] : startup.parameters)
    if (key.rfind("_pq_.", 0) == 0) unrecognized.push_back(key);
  if (startup.minor > 0 || !unrecognized.empty()) out_.negotiate_protocol_version(0, unrecognized);
  auto user = startup.get("user");
  if (!user || user->empty()) return fail("28000", "no PostgreSQL user name specified in startup packet");
  user_ = *user;
  if (ctx_.auth.require_tls && !peer_.tls) {
    // PostgreSQL's text for a hostssl-only pg_hba.conf, which clients and their users know.
    ErrorFields e;
    e.severity = "FATAL";
    e.code = "28000";
    e.message =
        fmt::format("no pg_hba.conf entry for host \"{}\", user \"{}\", database \"{}\", no encryption",
                    peer_.host, user_, startup.get("database").value_or(user_));
    e.hint = "pond serve runs with --tls-required: connect with TLS (sslmode=require or verify-full)";
    out_.error_response(e);
    phase_ = Phase::kClosed;
    return;
  }
  if (!ctx_.auth.trust_loopback) {
    if (auto wait = ctx_.logins.blocked_for(peer_.host); wait > 0) {
      log::info("serve: login of \"{}\" from {} refused: too many failed logins", user_, peer_.host);
      return fail("28000",
                  fmt::format("too many failed logins from {}: try again in {} s", peer_.host, wait));
    }
    if (!peer_.client_cert_user.empty()) {
      // PostgreSQL's `cert` method: a certificate from the client CA logs in the user its common
      // name names, without a password; another user name is refused (PostgreSQL's text).
      if (peer_.client_cert_user == user_) {
        log::info("serve: \"{}\" logged in by client certificate from {}", user_, peer_.host);
        ctx_.logins.succeeded(peer_.host);
        return finish_startup();
      }
      log::info("serve: certificate of \"{}\" presented for user \"{}\" from {}", peer_.client_cert_user,
                user_, peer_.host);
      ctx_.logins.failed(peer_.host);
      return fail("28000", fmt::format("certificate authentication failed for user \"{}\"", user_));
    }
    if (ctx_.auth.cleartext_over_tls && peer_.tls) {
      out_.authentication_cleartext_password();
      phase_ = Phase::kPassword;
      return;
    }
    // As PostgreSQL: under TLS, SCRAM-SHA-256-PLUS first (libpq prefers it when offered).
    if (peer_.tls && !peer_.tls_end_point.empty())
      out_.authentication_sasl({"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"});
    else
      out_.authentication_sasl({"SCRAM-SHA-256"});
    phase_ = Phase::kSaslInitial;
    return;
  }
  if (peer_.loopback) return finish_startup();
  fail("28000", "no users are configured for pond serve: only local connections are accepted");
}

void Session::authenticate(const std::string& body) {
  if (phase_ == Phase::kSaslInitial) {
    SaslInitial initial = decode_sasl_initial(body);
    ChannelBinding binding;
    if (peer_.tls) binding.end_point = peer_.tls_end_point;
    binding.selected = initial.mechanism == "SCRAM-SHA-256-PLUS" && !binding.end_point.empty();
    if (initial.mechanism != "SCRAM-SHA-256" && !binding.selected)
      return fail("28000", "client selected an invalid SASL authentication mechanism");
    std::shared_ptr<const Users> users = ctx_.auth.users->current();
    auto it = users->passwords.find(user_);
    std::optional<ScramVerifier> verifier;
    if (it != users->passwords.end()) verifier = it->second;
    scram_.emplace(user_, verifier, ctx_.mock_key, binding);
    out_.authentication_sasl_continue(scram_->first(initial.data));
    phase_ = Phase::kSaslFinal;
    return;
  }
  auto final_message = scram_->final(body);
  scram_.reset();
  if (!final_message) return login_failed();
  out_.authentication_sasl_final(*final_message);
  ctx_.logins.succeeded(peer_.host);
  finish_startup();
}

void Session::login_failed() {
  log::info("serve: password authentication failed for user \"{}\" from {}", user_, peer_.host);
  ctx_.logins.failed(peer_.host);
  fail("28P01", fmt::format("password authentication failed for user \"{}\"", user_));
}

// PasswordMessage: the password and a NUL. Checked against the user's SCRAM verifier; an
// unknown user costs the same work (a verifier with a salt stable per name) and gets the same error.
void Session::check_password(const std::string& body) {
  if (body.empty() || body.back() != '\0' || body.find('\0') != body.size() - 1)
    throw ProtocolError("invalid password packet");
  std::string_view password(body.data(), body.size() - 1);
  std::shared_ptr<const Users> users = ctx_.auth.users->current();
  auto it = users->passwords.find(user_);
  bool ok = false;
  if (it != users->passwords.end()) {
    ok = verify_password(it->second, password);
  } else {
    ScramVerifier mock;
    mock.salt = ctx_.mock_key.substr(0, 16) + user_;
    mock.stored_key.assign(32, '\0');
    verify_password(mock, password);
  }
  if (!ok) return login_failed();
  ctx_.logins.succeeded(peer_.host);
  finish_startup();
}

void Session::finish_startup() {
  out_.authentication_ok();
  const std::pair<const char*, std::string> parameters[] = {
      {"server_version", "15.0"},
      {"server_encoding", "UTF8"},
      {"client_encoding", "UTF8"},
      {"DateStyle", "ISO, MDY"},
      {"IntervalStyle", "postgres"},
      {"integer_datetimes", "on"},
      {"standard_conforming_strings", "on"},
      {"TimeZone", "UTC"},
      {"is_superuser", "off"},
      {"session_authorization", user_},
      {"application_name", ""},
  };
  for (const auto& [name, value] : parameters) out_.parameter_status(name, value);
  out_.backend_key_data(process_id_, secret_);
  ctx_.cancels.add(process_id_, secret_, &con_);
  policies_ = ctx_.views->policies();
  role_ = &policies_->role_of(user_);
  phase_ = Phase::kReady;
  out_.ready_for_query('I');
}

void Session::handle(char type, std::span<const std::uint8_t> body) {
  if (phase_ == Phase::kClosed) return;
  try {
    FrontendMessage message = decode_message(type, body);
    if (phase_ == Phase::kSaslInitial || phase_ == Phase::kSaslFinal) {
      auto* auth = std::get_if<AuthResponse>(&message);
      if (!auth) throw ProtocolError("expected SASL response");
      return authenticate(auth->body);
    }
    if (phase_ == Phase::kPassword) {
      auto* auth = std::get_if<AuthResponse>(&message);
      if (!auth) throw ProtocolError("expected password response");
      return check_password(auth->body);
    }
    if (phase_ != Phase::kReady) throw ProtocolError("message before startup completed");
    if (skip_to_sync_ && !std::holds_alternative<Sync>(message) &&
        !std::holds_alternative<Terminate>(message))
      return;
    std::visit(Overloaded{
                   [&](const Query& q) { simple_query(q.sql); },
                   [&](const Parse& p) { parse(p); },
                   [&](const Bind& b) { bind(b); },
                   [&](const Describe& d) { describe(d); },
                   [&](const Execute& e) { execute(e); },
                   [&](const Close& c) { close(c); },
                   [&](const Sync&) { sync(); },
                   [&](const Flush&) {},
                   [&](const Terminate&) { phase_ = Phase::kClosed; },
                   [&](const AuthResponse&) { throw ProtocolError("unexpected password message"); },
               },
               message);
  } catch (const ProtocolError& e) {
    fail("08P01", e.what());
  }
}

char Session::transaction_status() const {
  if (!in_transaction_) return 'I';
  return transaction_failed_ ? 'E' : 'T';
}

void Session::send_error(const std::exception& e) {
  ErrorFields f;
  if (const auto* sql = dynamic_cast<const SqlError*>(&e)) {
    f.code = sql->code();
    f.message = sql->what();
  } else if (const auto* engine_error = dynamic_cast<const engine::EngineError*>(&e)) {
    f.code = sqlstate_of(engine_error->what(), engine_error->interrupted());
    f.message =
        engine_error->interrupted() ? "canceling statement due to user request" : engine_error->what();
    if (f.code == "25P02")
      f.message = "current transaction is aborted, commands ignored until end of transaction block";
    if (role_ && !role_->admin) f.message = without_statement_excerpt(f.message);
  } else {
    f.code = "XX000";
    f.message = e.what();
  }
  if (in_transaction_) transaction_failed_ = true;
  out_.error_response(f);
}

void Session::before_statement() {
  // Autocommit: every statement sees the newest lake snapshot. Inside BEGIN ... COMMIT the
  // transaction keeps the views it started with (DuckDB's catalog is transactional).
  if (!in_transaction_ && !pinned_) ctx_.views->refresh();
}

std::shared_ptr<Session::Statement> Session::prepare(const std::string& sql,
                                                     std::span<const std::int32_t> declared) {
  auto s = std::make_shared<Statement>();
  std::vector<std::string> parts = split_statements(sql);
  if (parts.size() > 1) throw SqlError("42601", "cannot insert multiple commands into a prepared statement");
  if (parts.empty()) return s;
  s->sql = ctx_.catalog->rewrite(parts[0]);
  if (transaction_failed_) {
    // As PostgreSQL: only the end of the transaction block is accepted; COMMIT rolls back.
    std::string verb = leading_keywords(s->sql, 1);
    if (verb == "COMMIT" || verb == "END")
      s->sql = "ROLLBACK";
    else if (verb != "ROLLBACK" && verb != "ABORT")
      throw SqlError("25P02",
                     "current transaction is aborted, commands ignored until end of transaction block");
  }
  std::optional<CopyToStdout> copy;
  if (leading_keywords(s->sql, 1) == "COPY") {
    // The copied query runs as the session's SELECT would (rewrite, authorization, types).
    copy = parse_copy_to_stdout(s->sql);
    s->sql = copy->query;
  }
  refuse_unserved(leading_keywords(s->sql, 1));  // before DuckDB binds it: EXPORT's binder creates its folder
  before_statement();
  std::string verb = leading_keywords(s->sql, 1);
  // A PostgreSQL client setting becomes a session variable pond writes itself: any role may.
  std::optional<ClientSettingStatement> setting = client_setting_statement(s->sql);
  if (!setting) setting = snapshot_pin(*s);
  if (setting)
    s->sql = setting->sql;
  else if (!role_->admin)
    s->sql =
        Authorizer(*role_, user_, ctx_.views->objects(), policies_->settings_of(user_)).rewrite(con_, s->sql);
  s->prepared = con_.prepare(s->sql);
  // A parameter DuckDB cannot type from the statement (`$1 || '!'`) takes the type the client
  // declared in Parse, else text, as in PostgreSQL: the statement is prepared again with casts.
  std::vector<std::string> casts(s->prepared->parameter_count());
  bool untyped = false;
  for (std::size_t i = 0; i < casts.size(); ++i) {
    if (s->prepared->parameter_type(i + 1).id != engine::TypeId::kInvalid) continue;
    casts[i] = duckdb_type_of_oid(i < declared.size() ? declared[i] : 0);
    untyped = true;
  }
  if (untyped) {
    s->sql = cast_parameters(s->sql, casts);
    s->prepared = con_.prepare(s->sql);
  }
  engine::PreparedStatement& p = *s->prepared;
  refuse_unserved(p.kind(), verb);
  if (!setting && !role_->admin && p.kind() != engine::StatementKind::kSelect &&
      p.kind() != engine::StatementKind::kTransaction && p.kind() != engine::StatementKind::kSet)
    throw SqlError("42501", "permission denied to run " + verb + " as role \"" + role_->name + "\"");
  switch (p.kind()) {
    case engine::StatementKind::kSelect:
      s->tag = "SELECT";
      break;
    case engine::StatementKind::kInsert:
      s->tag = "INSERT";
      break;
    case engine::StatementKind::kUpdate:
      s->tag = "UPDATE";
      break;
    case engine::StatementKind::kDelete:
      s->tag = "DELETE";
      break;
    case engine::StatementKind::kCreate:
    case engine::StatementKind::kDrop:
      s->tag = leading_keywords(s->sql, 2);
      break;
    default:
      s->tag = verb;
      break;
  }
  if (setting) s->tag = setting->tag;
  if (copy) {
    if (setting || p.kind() != engine::StatementKind::kSelect)
      throw SqlError("0A000", "COPY ... TO STDOUT copies a query (SELECT, VALUES, FROM ...) or a table");
    s->tag = "COPY";
    s->copy = copy->options;
  }
  bool direct = true;
  if (p.returns_rows()) {
    for (std::size_t c = 0; c < p.column_count(); ++c) {
      s->types.push_back(p.column_type(c));
      s->fields.push_back(describe_column(p.column_name(c), s->types.back()));
      direct = direct && readable_directly(s->types.back());
    }
  }
  if (!direct) {
    if (p.kind() != engine::StatementKind::kSelect)
      throw SqlError("0A000", "this statement returns a type pond serve can send only from a SELECT");
    s->as_text = con_.prepare("SELECT COLUMNS(*)::VARCHAR FROM (\n" + s->sql + "\n) AS pond_q");
  }
  engine::PreparedStatement& run = s->as_text ? *s->as_text : p;
  for (std::size_t i = 1; i <= p.parameter_count(); ++i) {
    s->parameter_oids.push_back(parameter_oid(p.parameter_type(i)));
    s->parameter_types.push_back(run.parameter_type(i).id);
  }
  return s;
}

std::optional<ClientSettingStatement> Session::snapshot_pin(Statement& s) {
  std::optional<SnapshotPinStatement> pin = snapshot_pin_statement(s.sql);
  if (!pin) return std::nullopt;
  if (pin->kind != SnapshotPinStatement::Kind::kShow && in_transaction_)
    throw SqlError("25001", pin->tag + " pond.snapshot cannot run inside a transaction block");
  if (pin->kind == SnapshotPinStatement::Kind::kSet) {
    auto [catalog, snapshot] = ctx_.views->pinned_catalog(pin->ref);
    s.pin_catalog = catalog;
    pin->sql = record_pinned_snapshot_sql(snapshot);
  } else if (pin->kind == SnapshotPinStatement::Kind::kReset) {
    s.pin_catalog = "";
  }
  return ClientSettingStatement{pin->sql, pin->tag};
}

void Session::after_statement(const Statement& s) {
  if (s.pin_catalog) {
    // Unqualified and schema-qualified names now resolve in the pinned catalog; pond_catalog
    // (what catalog queries are rewritten to) stays reachable from the server's own.
    if (s.pin_catalog->empty()) {
      con_.execute("USE memory");
      con_.execute("RESET search_path");
    } else {
      con_.execute("USE " + *s.pin_catalog);
      con_.execute("SET search_path = '" + *s.pin_catalog + ".main,memory.pond_catalog'");
    }
    pinned_ = !s.pin_catalog->empty();
  }
  if (s.prepared->kind() != engine::StatementKind::kTransaction) return;
  std::string verb = leading_keywords(s.sql, 1);
  if (verb == "BEGIN" || verb == "START") {
    in_transaction_ = true;
    transaction_failed_ = false;
  } else if (verb == "COMMIT" || verb == "END" || verb == "ROLLBACK" || verb == "ABORT") {
    in_transaction_ = false;
    transaction_failed_ = false;
  }
}

void Session::start_portal(Portal& portal) {
  if (portal.result) return;
  Statement& s = *portal.statement;
  // A statement prepared earlier reads the newest snapshot too (DuckDB re-plans it when the
  // views changed), as a PostgreSQL prepared statement sees rows committed after its Parse.
  before_statement();
  engine::PreparedStatement& p = s.as_text ? *s.as_text : *s.prepared;
  p.clear_bindings();
  for (std::size_t i = 0; i < portal.parameters.size(); ++i) {
    if (portal.parameters[i])
      p.bind_text(i + 1, *portal.parameters[i], s.parameter_types[i]);
    else
      p.bind_null(i + 1);
  }
  portal.result = p.execute();
  after_statement(s);
}

void Session::run_copy(Portal& portal) {
  const Statement& s = *portal.statement;
  if (!portal.done) {
    start_portal(portal);
    out_.copy_out_response(s.fields.size());
    std::vector<std::optional<std::string>> values(s.fields.size());
    std::string line;
    if (s.copy->header) {
      for (std::size_t c = 0; c < values.size(); ++c) values[c] = s.fields[c].name;
      append_copy_line(line, *s.copy, values);
      out_.copy_data(line);
    }
    while (std::optional<engine::Chunk> chunk = portal.result->next_chunk()) {
      for (std::size_t row = 0; row < chunk->size(); ++row) {
        for (std::size_t c = 0; c < values.size(); ++c) values[c] = text_value(*chunk, c, row, s.types[c]);
        line.clear();
        append_copy_line(line, *s.copy, values);
        out_.copy_data(line);
        ++portal.rows_sent;
        if (flusher_ && out_.buffer().size() >= kFlushBytes) flusher_(out_.buffer());
      }
    }
    out_.copy_done();
    portal.done = true;
  }
  out_.command_complete(fmt::format("COPY {}", portal.rows_sent));
}

void Session::run_portal(Portal& portal, std::int64_t max_rows) {
  Statement& s = *portal.statement;
  if (!s.prepared) {
    out_.empty_query_response();
    portal.done = true;
    return;
  }
  if (s.copy) return run_copy(portal);
  start_portal(portal);
  if (!s.fields.empty() && !portal.done) {
    std::int64_t sent = 0;
    std::vector<std::optional<std::string>> values(s.fields.size());
    for (;;) {
      if (!portal.chunk || portal.row >= portal.chunk->size()) {
        portal.chunk = portal.result->next_chunk();
        portal.row = 0;
        if (!portal.chunk) break;
        continue;
      }
      if (max_rows > 0 && sent == max_rows) {
        out_.portal_suspended();
        return;
      }
      for (std::size_t c = 0; c < values.size(); ++c) {
        values[c] = text_value(*portal.chunk, c, portal.row, s.types[c]);
        if (!portal.formats.empty() && portal.formats[c] == 1 && values[c])
          values[c] = binary_value(s.fields[c].type_oid, *values[c]);
      }
      out_.data_row(values);
      ++portal.row;
      ++portal.rows_sent;
      ++sent;
      if (flusher_ && out_.buffer().size() >= kFlushBytes) flusher_(out_.buffer());
    }
  }
  portal.done = true;
  std::uint64_t changed = portal.result->rows_changed();
  if (s.tag == "SELECT")
    out_.command_complete(fmt::format("SELECT {}", portal.rows_sent));
  else if (s.tag == "INSERT")
    out_.command_complete(fmt::format("INSERT 0 {}", changed));
  else if (s.tag == "UPDATE" || s.tag == "DELETE")
    out_.command_complete(fmt::format("{} {}", s.tag, changed));
  else if (!s.fields.empty())
    out_.command_complete(fmt::format("SELECT {}", portal.rows_sent));
  else
    out_.command_complete(s.tag);
}

void Session::simple_query(const std::string& sql) {
  std::vector<std::string> parts = split_statements(sql);
  if (parts.empty()) out_.empty_query_response();
  for (const auto& part : parts) {
    try {
      Portal portal;
      portal.statement = prepare(part);
      if (!portal.statement->fields.empty() && !portal.statement->copy)
        out_.row_description(portal.statement->fields);
      run_portal(portal, 0);
    } catch (const std::exception& e) {
      send_error(e);
      break;
    }
  }
  out_.ready_for_query(transaction_status());
}

}  // namespace pond::serve
