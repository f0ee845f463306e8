#include "serve/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <vector>

#include "common/error.hpp"
#include "serve/wire_decode.hpp"

namespace pond::serve {

namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw InternalError("RAND_bytes failed");
  return out;
}

// The attribute `name=` of a comma-separated SCRAM message.
std::optional<std::string> attribute(std::string_view message, char name) {
  std::size_t pos = 0;
  while (pos <= message.size()) {
    std::size_t comma = message.find(',', pos);
    std::string_view part =
        message.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (part.size() >= 2 && part[0] == name && part[1] == '=') return std::string(part.substr(2));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;  // EVP keeps padding bytes
  out.resize(len);
  return out;
}

std::optional<ScramVerifier> ScramVerifier::parse(std::string_view text) {
  constexpr std::string_view prefix = "SCRAM-SHA-256$";
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  text.remove_prefix(prefix.size());
  std::size_t colon = text.find(':'), dollar = text.find('$'), colon2 = text.rfind(':');
  if (colon == std::string_view::npos || dollar == std::string_view::npos || colon2 <= dollar ||
      colon > dollar)
    return std::nullopt;
  ScramVerifier v;
  try {
    v.iterations = std::stoi(std::string(text.substr(0, colon)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto salt = base64_decode(text.substr(colon + 1, dollar - colon - 1));
  auto stored = base64_decode(text.substr(dollar + 1, colon2 - dollar - 1));
  auto server = base64_decode(text.substr(colon2 + 1));
  if (!salt || !stored || !server || v.iterations < 1 || stored->size() != 32 || server->size() != 32)
    return std::nullopt;
  v.salt = *salt;
  v.stored_key = *stored;
  v.server_key = *server;
  return v;
}

std::string ScramVerifier::to_string() const {
  return "SCRAM-SHA-256$" + std::to_string(iterations) + ":" + base64_encode(salt) + "$" +
         base64_encode(stored_key) + ":" + base64_encode(server_key);
}

bool verify_password(const ScramVerifier& verifier, std::string_view password) {
  unsigned char salted[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(verifier.salt.data()),
                        static_cast<int>(verifier.salt.size()), verifier.iterations, EVP_sha256(),
                        sizeof salted, salted) != 1)
    throw InternalError("PBKDF2 failed");
  std::string salted_password(reinterpret_cast<char*>(salted), sizeof salted);
  OPENSSL_cleanse(salted, sizeof salted);
  std::string stored_key = sha256(hmac(salted_password, "Client Key"));
  OPENSSL_cleanse(salted_password.data(), salted_password.size());
  return stored_key.size() == verifier.stored_key.size() &&
         CRYPTO_memcmp(stored_key.data(), verifier.stored_key.data(), stored_key.size()) == 0;
}

ScramVerifier make_verifier(std::string_view password, int iterations) {
  ScramVerifier v;
  v.iterations = iterations;
  v.salt = random_bytes(16);
  unsigned char salted[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(v.salt.data()),
                        static_cast<int>(v.salt.size()), iterations, EVP_sha256(), sizeof salted,
                        salted) != 1)
    throw InternalError("PBKDF2 failed");
  std::string salted_password(reinterpret_cast<char*>(salted), sizeof salted);
  OPENSSL_cleanse(salted, sizeof salted);
  v.stored_key = sha256(hmac(salted_password, "Client Key"));
  v.server_key = hmac(salted_password, "Server Key");
  OPENSSL_cleanse(salted_password.data(), salted_password.size());
  return v;
}

ScramServer::ScramServer(std::string user, std::optional<ScramVerifier> verifier, std::string_view mock_key,
                         ChannelBinding binding)
    : user_(std::move(user)), verifier_(std::move(verifier)), binding_(std::move(binding)) {
  if (verifier_) {
    effective_ = *verifier_;
  } else {
    // Same shape as a real verifier, salt derived from the user name (stable across attempts,
    // as PostgreSQL's mock authentication does), keys that no proof matches.
    effective_.salt = hmac(mock_key, "salt:" + user_).substr(0, 16);
    effective_.stored_key = random_bytes(32);
    effective_.server_key = random_bytes(32);
  }
}

std::string ScramServer::first(std::string_view client_first) {
  // gs2-header: "n,," (no channel binding), "y,," (the client could bind but thinks we cannot),
  // "p=tls-server-end-point,," (SCRAM-SHA-256-PLUS), as PostgreSQL checks them (RFC 5802 5.1).
  std::size_t first_comma = client_first.find(',');
  std::size_t second_comma =
      first_comma == std::string_view::npos ? first_comma : client_first.find(',', first_comma + 1);
  if (client_first.empty() || second_comma == std::string_view::npos)
    throw ProtocolError("malformed SCRAM message (expected a gs2 header)");
  std::string_view flag = client_first.substr(0, first_comma);
  if (flag == "n" || flag == "y") {
    if (binding_.selected)
      throw ProtocolError(
          "channel binding is required by SCRAM-SHA-256-PLUS, but the client sent no binding");
    if (flag == "y" && !binding_.end_point.empty())
      throw ProtocolError(
          "SCRAM channel binding negotiation error: the client supports channel binding but thinks the "
          "server "
          "does not, while this server does (a downgrade?)");
  } else if (flag.substr(0, 2) == "p=") {
    if (!binding_.selected)
      throw ProtocolError(
          binding_.end_point.empty()
              ? "channel binding is not supported without TLS"
              : "the client selected SCRAM-SHA-256 without channel binding, but sent binding data");
    if (flag != "p=tls-server-end-point")
      throw ProtocolError("unsupported SCRAM channel-binding type \"" + std::string(flag.substr(2)) + "\"");
  } else {
    throw ProtocolError("malformed SCRAM message (expected a gs2 header)");
  }
  gs2_header_ = std::string(client_first.substr(0, second_comma + 1));
  client_first_bare_ = std::string(client_first.substr(second_comma + 1));
  auto client_nonce = attribute(client_first_bare_, 'r');
  if (!client_nonce || client_nonce->empty()) throw ProtocolError("malformed SCRAM message (no nonce)");
  for (char c : *client_nonce)
    if (c < 0x21 || c > 0x7e || c == ',') throw ProtocolError("malformed SCRAM message (invalid nonce)");
  nonce_ = *client_nonce + base64_encode(random_bytes(18));
  server_first_ =
      "r=" + nonce_ + ",s=" + base64_encode(effective_.salt) + ",i=" + std::to_string(effective_.iterations);
  return server_first_;
}

std::optional<std::string> ScramServer::final(std::string_view client_final) {
  if (server_first_.empty()) throw ProtocolError("SCRAM final message before the first");
  std::size_t proof_at = client_final.rfind(",p=");
  if (proof_at == std::string_view::npos) throw ProtocolError("malformed SCRAM message (no proof)");
  std::string without_proof(client_final.substr(0, proof_at));
  auto nonce = attribute(without_proof, 'r');
  auto binding = attribute(without_proof, 'c');
  auto proof = base64_decode(client_final.substr(proof_at + 3));
  if (!nonce || !binding || !proof) throw ProtocolError("malformed SCRAM message");
  if (*nonce != nonce_) throw ProtocolError("SCRAM nonce does not match");
  // c= repeats the gs2 header, followed by the certificate hash under SCRAM-SHA-256-PLUS.
  std::string expected = gs2_header_ + (binding_.selected ? binding_.end_point : std::string());
  if (*binding != base64_encode(expected)) throw ProtocolError("SCRAM channel binding check failed");
  if (proof->size() != 32) return std::nullopt;
  std::string auth_message = client_first_bare_ + "," + server_first_ + "," + without_proof;
  std::string signature = hmac(effective_.stored_key, auth_message);
  std::string client_key(32, '\0');
  for (std::size_t i = 0; i < 32; ++i) client_key[i] = static_cast<char>((*proof)[i] ^ signature[i]);
  std::string computed = sha256(client_key);
  bool ok = verifier_.has_value() && CRYPTO_memcmp(computed.data(), effective_.stored_key.data(), 32) == 0;
  if (!ok) return std::nullopt;
  return "v=" + base64_encode(hmac(effective_.server_key, auth_message));
}

}  // namespace pond::serve
