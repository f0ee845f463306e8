#include "serve/users.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/log.hpp"

namespace pond::serve {

namespace {

constexpr std::string_view kTokenPrefix = "token:sha256:";

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

// Tokens carry 256 random bits, so one unsalted SHA-256 is enough to keep the file harmless.
std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw InternalError("EVP_Digest failed");
  return hex(digest, length);
}

}  // namespace

std::optional<std::string> Users::token_user(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  auto it = tokens.find(sha256_hex(token));
  if (it == tokens.end()) return std::nullopt;
  return it->second;
}

std::string new_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw InternalError("RAND_bytes failed");
  return "pond_" + hex(bytes, sizeof bytes);
}

std::string token_entry(std::string_view token) {
  return std::string(kTokenPrefix) + sha256_hex(token);
}

Users load_users(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw UserError(
        SourceLocation{file.string()}, "cannot read the users file",
        "create it with lines from `pond serve --hash-password NAME` or `pond serve --new-token NAME`");
  Users users;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string name, secret, extra;
    if (!(words >> name)) continue;
    SourceLocation where{file.string(), number, 1};
    if (!(words >> secret) || (words >> extra))
      throw UserError(where, "expected 'NAME SCRAM-SHA-256$...' or 'NAME token:sha256:HEX'",
                      "`pond serve --hash-password NAME` and `pond serve --new-token NAME` print such lines");
    if (secret.rfind(kTokenPrefix, 0) == 0) {
      std::string digest = secret.substr(kTokenPrefix.size());
      bool ok = digest.size() == 64 && digest.find_first_not_of("0123456789abcdef") == std::string::npos;
      if (!ok)
        throw UserError(
            where, "user '" + name + "': a token entry needs 64 lower-case hex digits after token:sha256:",
            "`pond serve --new-token NAME` prints one");
      if (!users.tokens.emplace(digest, name).second) throw UserError(where, "this token is listed twice");
      continue;
    }
    auto parsed = ScramVerifier::parse(secret);
    if (!parsed)
      throw UserError(where, "user '" + name + "': not a SCRAM-SHA-256 verifier",
                      "`pond serve --hash-password NAME` prints one; plain passwords are not accepted");
    if (!users.passwords.emplace(name, *parsed).second)
      throw UserError(where, "user '" + name + "' has a password twice");
  }
  return users;
}

UsersSource::UsersSource(std::filesystem::path file)
    : file_(std::move(file)), stamp_(stamp()), users_(std::make_shared<Users>(load_users(file_))) {}

UsersSource::Stamp UsersSource::stamp() const {
  struct stat st {};
  Stamp s;
  if (::stat(file_.c_str(), &st) != 0) return s;
  s.mtime = st.st_mtim;
  s.size = st.st_size;
  s.inode = st.st_ino;
  return s;
}

std::shared_ptr<const Users> UsersSource::current() {
  std::lock_guard lock(mu_);
  if (file_.empty()) return users_;
  Stamp now = stamp();
  if (now == stamp_) return users_;
  stamp_ = now;
  try {
    users_ = std::make_shared<Users>(load_users(file_));
    log::info("pond serve: users file {} read again", file_.string());
  } catch (const std::exception& e) {
    log::error("pond serve: the users file changed and no longer loads, keeping the users read before: {}",
               e.what());
  }
  return users_;
}

}  // namespace pond::serve
