#include "serve/server.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"
#include "serve/message_buffer.hpp"
#include "serve/session.hpp"
#include "serve/tls.hpp"
#include "serve/wire_decode.hpp"
#include "serve/wire_encode.hpp"

namespace pond::serve {

namespace {

using asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket&>;

// What the worker pool is doing: sessions' messages waiting for a worker, and workers running them.
struct WorkerLoad {
  std::atomic<int> queued{0};
  std::atomic<int> busy{0};
};

// Runs `fn` on the worker pool and resumes the coroutine on its own executor afterwards;
// an exception thrown by `fn` is rethrown in the coroutine.
template <class F>
asio::awaitable<void> on_worker(asio::thread_pool& pool, F& fn, WorkerLoad& load) {
  auto ex = co_await asio::this_coro::executor;
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [&pool, ex, &fn, &load](auto handler) {
        ++load.queued;
        asio::post(pool, [&fn, ex, &load, handler = std::move(handler)]() mutable {
          std::exception_ptr error;
          --load.queued;
          ++load.busy;
          try {
            fn();
          } catch (...) {  // carried to the coroutine, which rethrows it
            error = std::current_exception();
          }
          --load.busy;
          asio::post(ex, [handler = std::move(handler), error]() mutable { handler(error); });
        });
      },
      asio::use_awaitable);
}

// How long a worker waits for a busy client's next message before handing it back.
constexpr int kLingerMilliseconds = 2;

std::string fatal(const std::string& code, const std::string& message) {
  MessageWriter w;
  ErrorFields e;
  e.severity = "FATAL";
  e.code = code;
  e.message = message;
  w.error_response(e);
  return w.take();
}

}  // namespace

bool is_loopback(const std::string& host) {
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

ServerOptions parse_listen(const std::string& listen, ServerOptions base) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    throw UserError("--listen '" + listen + "' is not host:port", "e.g. --listen 127.0.0.1:5433");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    throw UserError("--listen '" + listen + "': the port must be a number from 0 to 65535");
  asio::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec)
    throw UserError("--listen '" + listen + "': '" + host + "' is not an IP address",
                    "e.g. 127.0.0.1 or ::1");
  base.host = host;
  base.port = static_cast<std::uint16_t>(port);
  return base;
}

struct Server::Impl {
  ServerContext& ctx;
  ServerOptions options;
  std::optional<TlsContext> tls;
  asio::io_context io{1};
  WorkerLoad load;
  std::atomic<bool> stopping{false};  // no worker starts lingering (a busy client would hold it)
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  std::int32_t next_pid = 1;  // only touched on the I/O thread
  int connections = 0;        // only touched on the I/O thread

  Impl(ServerContext& c, ServerOptions o)
      : ctx(c), options(std::move(o)), workers(static_cast<std::size_t>(options.workers)), acceptor(io) {
    if (!options.tls_cert.empty() || !options.tls_key.empty()) {
      if (options.tls_cert.empty() || options.tls_key.empty())
        throw UserError("TLS needs both a certificate and a key", "give --tls-cert FILE and --tls-key FILE");
      tls.emplace(TlsFiles{options.tls_cert, options.tls_key, options.tls_client_ca});
    }
    if (!options.tls_client_ca.empty() && !tls)
      throw UserError("--tls-client-ca without a server certificate",
                      "give --tls-cert FILE and --tls-key FILE");
    if (ctx.auth.require_tls && !tls)
      throw UserError("--tls-required without a certificate", "give --tls-cert FILE and --tls-key FILE");
    tcp::endpoint endpoint(asio::ip::make_address(options.host), options.port);
    asio::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw UserError(fmt::format("cannot listen on {}:{}: {}", options.host, options.port, ec.message()),
                      "is another server using the port? choose one with --listen HOST:PORT");
  }

  // Whether a worker (counted as busy) may wait for its client's next message: only while no
  // other session's messages wait and another worker is free, so that lingering never delays
  // another session (a lingering client would otherwise jump the queue under load).
  bool linger_here() const {
    return !stopping.load() && load.queued.load() == 0 && load.busy.load() < options.workers;
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
      asio::co_spawn(io, connection(std::move(socket)), asio::detached);
    }
  }

  // Reads a startup packet (length word, then body) with the startup limit.
  template <class Stream>
  static asio::awaitable<std::vector<std::uint8_t>> read_startup(Stream& stream) {
    std::array<std::uint8_t, 4> header{};
    co_await asio::async_read(stream, asio::buffer(header), asio::use_awaitable);
    std::vector<std::uint8_t> body(startup_body_length(read_i32(header.data())));
    co_await asio::async_read(stream, asio::buffer(body), asio::use_awaitable);
    co_return body;
  }

  asio::awaitable<void> connection(tcp::socket socket) {
    ++connections;
    struct Count {
      int& n;
      ~Count() { --n; }
    } count{connections};
    asio::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    Peer peer;
    auto remote = socket.remote_endpoint(ignored).address();
    peer.loopback = remote.is_loopback();
    peer.host = remote.to_string();
    // Startup and authentication must finish in time (slowloris); the timer closes the socket.
    asio::steady_timer deadline(io, std::chrono::seconds(options.auth_timeout_seconds));
    deadline.async_wait([&socket](const asio::error_code& ec) {
      if (!ec) {
        asio::error_code e;
        socket.close(e);
      }
    });
    try {
      bool direct = false;
      if (tls) {
        // PostgreSQL 17's sslnegotiation=direct: the first byte is a TLS handshake record (22)
        // instead of a startup packet's length (which starts with 0: at most 10,000 bytes).
        std::array<std::uint8_t, 1> first{};
        co_await socket.async_receive(asio::buffer(first), tcp::socket::message_peek, asio::use_awaitable);
        direct = first[0] == 0x16;
      }
      if (direct) {
        TlsStream stream(socket, tls->context());
        co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
        co_await converse(stream, socket, deadline, peer, true);
      } else {
        co_await converse(socket, socket, deadline, peer, false);
      }
    } catch (const std::system_error& e) {
      // The client went away, the deadline closed the socket or the TLS handshake failed.
      log::debug("serve: connection closed: {}", e.what());
    }
    deadline.cancel();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // The protocol over `stream` (the socket itself, or TLS over it): startup, then the session.
  // An SSLRequest on the plain socket with TLS configured continues in a nested call over TLS.
  template <class Stream>
  asio::awaitable<void> converse(Stream& stream, tcp::socket& socket, asio::steady_timer& deadline, Peer peer,
                                 bool direct) {
    constexpr bool kPlain = std::is_same_v<Stream, tcp::socket>;
    asio::error_code ignored;
    std::unique_ptr<Session> session;
    try {
      if constexpr (!kPlain) {
        peer.tls = true;
        peer.tls_end_point = tls->end_point_hash();
        peer.client_cert_user = verified_client_common_name(stream.native_handle());
        // PostgreSQL 17 accepts direct TLS only with ALPN "postgresql" (no cross-protocol use).
        if (direct && alpn_selected(stream.native_handle()) != "postgresql")
          throw ProtocolError(
              "received direct SSL connection request without ALPN protocol negotiation extension");
      }
      for (int attempts = 0;; ++attempts) {
        std::vector<std::uint8_t> body = co_await read_startup(stream);
        StartupPacket packet = decode_startup(body);
        if (std::holds_alternative<SslRequest>(packet)) {
          if (attempts >= 2) throw ProtocolError("too many encryption requests");
          if constexpr (kPlain) {
            if (tls) {
              // The client sends its ClientHello only after 'S', so nothing plain is buffered.
              co_await asio::async_write(socket, asio::buffer("S", 1), asio::use_awaitable);
              TlsStream secure(socket, tls->context());
              co_await secure.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
              co_await converse(secure, socket, deadline, peer, false);
              co_return;
            }
            co_await asio::async_write(socket, asio::buffer("N", 1), asio::use_awaitable);
            continue;
          } else {
            throw ProtocolError("SSLRequest on a connection that is already encrypted");
          }
        }
        if (std::holds_alternative<GssEncRequest>(packet)) {
          if (attempts >= 2) throw ProtocolError("too many encryption requests");
          if (!kPlain) throw ProtocolError("GSSENCRequest on a connection that is already encrypted");
          co_await asio::async_write(stream, asio::buffer("N", 1), asio::use_awaitable);
          continue;
        }
        if (auto* cancel = std::get_if<CancelRequest>(&packet)) {
          ctx.cancels.cancel(cancel->process_id, cancel->secret);
          co_return;
        }
        if (connections > options.max_connections) {
          std::string out = fatal("53300", "sorry, too many clients already");
          co_await asio::async_write(stream, asio::buffer(out), asio::use_awaitable);
          co_return;
        }
        session = std::make_unique<Session>(ctx, next_pid++, peer);
        session->start(std::get<StartupMessage>(packet));
        break;
      }
      session->set_flusher([&stream](std::string& buffer) {
        asio::write(stream, asio::buffer(buffer));  // on the worker; no other operation is pending
        buffer.clear();
      });
      // Every complete message read is handled in one trip to a worker (a pipelined
      // Bind/Describe/Execute/Sync is one hand-over between threads, not four). The worker then
      // waits a moment for the client's next message itself while other workers are free: a
      // busy client's statements stay on one thread and skip the I/O thread's wake-ups, which
      // cost more than a point query on 2 cores. An idle client goes back to the I/O thread.
      MessageBuffer in;
      auto max_length = [&] {
        return session->authenticated() ? std::numeric_limits<std::size_t>::max() : kMaxStartupLength;
      };
      for (;;) {
        std::string out = session->out().take();
        if (!out.empty()) co_await asio::async_write(stream, asio::buffer(out), asio::use_awaitable);
        if (session->closed()) break;
        // The startup deadline is cancelled here, on the I/O thread, before a worker may linger
        // on the socket: a session that authenticates within a batch lingers from the next one.
        const bool authenticated = session->authenticated();
        if (authenticated) deadline.cancel();
        std::optional<Message> first;
        try {
          first = in.next(max_length());
        } catch (const ProtocolError& e) {
          session->fail("08P01", e.what());
          continue;
        }
        if (!first) {
          std::span<std::uint8_t> space = in.space();
          in.commit(
              co_await stream.async_read_some(asio::buffer(space.data(), space.size()), asio::use_awaitable));
          continue;
        }
        auto work = [&] {
          std::optional<Message> m = first;
          for (;;) {
            for (; m; m = in.next(max_length())) {
              session->handle(m->type, m->body);
              if (session->closed()) return;
            }
            if constexpr (kPlain) {
              if (!authenticated || !linger_here()) return;
              std::string reply = session->out().take();
              if (!reply.empty()) asio::write(stream, asio::buffer(reply));
              pollfd ready{socket.native_handle(), POLLIN, 0};
              if (::poll(&ready, 1, kLingerMilliseconds) != 1) return;
              std::span<std::uint8_t> space = in.space();
              asio::error_code ec;
              std::size_t n = socket.read_some(asio::buffer(space.data(), space.size()), ec);
              if (ec) return;  // the I/O thread's read meets the same end of stream or error
              in.commit(n);
              m = in.next(max_length());
            } else {
              return;  // TLS may hold decrypted bytes the socket does not show
            }
          }
        };
        try {
          co_await on_worker(workers, work, load);
        } catch (const ProtocolError& e) {
          session->fail("08P01", e.what());
        }
      }
    } catch (const ProtocolError& e) {
      std::string out = fatal("08P01", e.what());
      asio::write(stream, asio::buffer(out), ignored);
    } catch (const std::system_error& e) {
      log::debug("serve: connection closed: {}", e.what());
    } catch (const std::exception& e) {
      log::error("serve: session ended by an internal error: {}", e.what());
      std::string out = fatal("XX000", e.what());
      asio::write(stream, asio::buffer(out), ignored);
    }
    if constexpr (!kPlain) {
      // close_notify, waiting at most 2 s for the client's (libpq just closes: that ends it at once).
      deadline.expires_after(std::chrono::seconds(2));
      deadline.async_wait([&socket](const asio::error_code& ec) {
        if (!ec) {
          asio::error_code e;
          socket.close(e);
        }
      });
      try {
        co_await stream.async_shutdown(asio::use_awaitable);
      } catch (const std::system_error&) {  // the client closed first: nothing left to do
      }
    }
  }
};

Server::Server(ServerContext& ctx, ServerOptions options)
    : impl_(std::make_unique<Impl>(ctx, std::move(options))) {}

Server::~Server() {
  impl_->stopping = true;
  impl_->io.stop();
  impl_->workers.join();
}

std::uint16_t Server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void Server::run() {
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->io.run();
}

void Server::stop() {
  impl_->stopping = true;
  impl_->io.stop();
}

}  // namespace pond::serve
