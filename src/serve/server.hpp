#pragma once
// The PostgreSQL-wire listener: asynchronous accept and reads on one I/O thread (an idle
// connection costs no thread); the messages of a read are handled by their session on a
// worker, which keeps a busy client (reading its next messages itself) while other workers are free.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "serve/server_context.hpp"

namespace pond::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5433;
  int workers = 8;                // sessions handled at once (statements run here)
  int max_connections = 100;      // more are refused with 53300
  int auth_timeout_seconds = 60;  // startup + authentication must finish by then
  // TLS when both are set (SSLRequest answered 'S', direct TLS accepted); PEM files.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;  // PEM CA file: client certificates log in their common name
};

// True for a loopback IP address (127.0.0.0/8, ::1).
bool is_loopback(const std::string& host);

// "host:port" (IPv6 as "[::1]:5433"); throws UserError.
ServerOptions parse_listen(const std::string& listen, ServerOptions base = {});

class Server {
 public:
  Server(ServerContext& ctx, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port actually bound (options.port 0 picks a free one).
  std::uint16_t port() const;
  // Serves until stop(); the calling thread does the I/O.
  void run();
  // Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pond::serve
