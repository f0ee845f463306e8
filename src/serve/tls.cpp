#include "serve/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pond::serve {

namespace {

// ALPN wire format: length-prefixed names.
constexpr unsigned char kAlpn[] = {10, 'p', 'o', 's', 't', 'g', 'r', 'e', 's', 'q', 'l'};

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// As PostgreSQL 17: a client offering ALPN must offer "postgresql"; one offering none is
// accepted here (the direct-TLS path then refuses it, SSLRequest clients may omit ALPN).
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kAlpn, sizeof kAlpn, in, in_length) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

std::string certificate_hash(X509* cert) {
  int digest_nid = NID_undef;
  int key_nid = NID_undef;
  if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &digest_nid, &key_nid) || digest_nid == NID_undef)
    return {};
  // RFC 5929 section 4.1: MD5 and SHA-1 are replaced by SHA-256.
  const EVP_MD* md =
      digest_nid == NID_md5 || digest_nid == NID_sha1 ? EVP_sha256() : EVP_get_digestbynid(digest_nid);
  if (!md) return {};
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, md, hash, &length) != 1)
    throw InternalError("X509_digest failed: " + openssl_error());
  return std::string(reinterpret_cast<char*>(hash), length);
}

}  // namespace

TlsContext::TlsContext(const TlsFiles& files) : ctx_(asio::ssl::context::tls_server) {
  SSL_CTX* native = ctx_.native_handle();
  ctx_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                   asio::ssl::context::single_dh_use);
  // PostgreSQL's default ssl_min_protocol_version.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1)
    throw UserError(SourceLocation{files.cert}, "cannot load the TLS certificate: " + openssl_error(),
                    "give a PEM certificate with --tls-cert (e.g. from `openssl req -x509 ...`)");
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
      throw UserError(SourceLocation{files.key}, "the TLS private key does not belong to the certificate " +
                                                     files.cert + ": " + openssl_error());
    throw UserError(SourceLocation{files.key}, "cannot load the TLS private key: " + openssl_error(),
                    "give an unencrypted PEM private key with --tls-key");
  }
  if (SSL_CTX_check_private_key(native) != 1)
    throw UserError(SourceLocation{files.key}, "the TLS private key does not belong to the certificate " +
                                                   files.cert + ": " + openssl_error());
  if (!files.client_ca.empty()) {
    // As PostgreSQL with ssl_ca_file: ask for a certificate, verify one that is sent, accept a
    // client that sends none (it authenticates by password instead).
    if (SSL_CTX_load_verify_locations(native, files.client_ca.c_str(), nullptr) != 1)
      throw UserError(SourceLocation{files.client_ca},
                      "cannot load the client CA certificates: " + openssl_error(),
                      "give a PEM file of CA certificates with --tls-client-ca");
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
    if (!names)
      throw UserError(SourceLocation{files.client_ca}, "no CA certificate in the file: " + openssl_error());
    SSL_CTX_set_client_CA_list(native, names);
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    static constexpr unsigned char kSessionContext[] = "pond serve";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  }
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  end_point_ = certificate_hash(SSL_CTX_get0_certificate(native));
  if (end_point_.empty())
    log::warn(
        "pond serve: the certificate's signature has no single digest: SCRAM-SHA-256-PLUS is not offered");
}

std::string alpn_selected(SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl, &data, &length);
  return data ? std::string(reinterpret_cast<const char*>(data), length) : std::string();
}

std::string verified_client_common_name(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  struct Free {
    X509* c;
    ~Free() { X509_free(c); }
  } free_cert{cert};
  if (SSL_get_verify_result(ssl) != X509_V_OK) return {};
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return {};
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  // A name with a NUL inside could pose as a shorter one: never a user name.
  return cn.find('\0') == std::string::npos ? cn : std::string();
}

}  // namespace pond::serve
