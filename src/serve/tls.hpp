#pragma once
// TLS for the wire server: the server's certificate and key in an OpenSSL context (through
// asio::ssl), ALPN "postgresql" (PostgreSQL 17's direct TLS needs it), and the certificate's hash
// that SCRAM-SHA-256-PLUS binds to (tls-server-end-point, RFC 5929).
#include <asio/ssl.hpp>
#include <string>

namespace pond::serve {

struct TlsFiles {
  std::string cert;  // PEM: the server certificate, optionally followed by its chain
  std::string key;   // PEM: its private key (unencrypted)
  // PEM: CA certificates client certificates are verified against (PostgreSQL's ssl_ca_file);
  // empty: clients are not asked for a certificate.
  std::string client_ca;
};

class TlsContext {
 public:
  // Throws UserError naming the file when a certificate or key cannot be loaded or do not match.
  explicit TlsContext(const TlsFiles& files);
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  asio::ssl::context& context() { return ctx_; }
  // tls-server-end-point channel-binding data: the certificate's hash with its signature's digest
  // (SHA-256 for MD5/SHA-1). Empty when the signature has no single digest (e.g. Ed25519): then
  // SCRAM-SHA-256-PLUS is not offered.
  const std::string& end_point_hash() const { return end_point_; }

 private:
  asio::ssl::context ctx_;
  std::string end_point_;
};

// The application protocol the handshake agreed on ("" when the client sent no ALPN).
std::string alpn_selected(SSL* ssl);

// The common name of the certificate the client presented, when it was verified against the
// client CA; "" when the client sent none (a certificate that fails verification fails the
// handshake itself).
std::string verified_client_common_name(SSL* ssl);

}  // namespace pond::serve
