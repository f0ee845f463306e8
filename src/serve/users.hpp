#pragma once
// The users file of `pond serve --users FILE`: one entry a line, '#' starts a comment:
//   NAME SCRAM-SHA-256$...          a password (PostgreSQL's SCRAM verifier), for the wire server
//   NAME token:sha256:HEX           a bearer token of the HTTP table API (its SHA-256)
// Passwords and tokens are never stored, only verifiers and hashes.
#include <sys/types.h>

#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "serve/scram.hpp"

namespace pond::serve {

struct Users {
  std::map<std::string, ScramVerifier> passwords;  // by user name
  std::map<std::string, std::string> tokens;       // SHA-256 hex of a token -> user name
  bool empty() const { return passwords.empty() && tokens.empty(); }
  // The user a presented bearer token belongs to.
  std::optional<std::string> token_user(std::string_view token) const;
};

// Throws UserError with file:line for a malformed line or a user with two passwords.
Users load_users(const std::filesystem::path& file);

// The users file as sessions see it: read again when it changes (modification time, size or
// inode), so `pond users add|passwd|rm` take effect at the next login without a restart. A file
// that no longer loads keeps the users read last (the error is logged once per change).
class UsersSource {
 public:
  UsersSource() : users_(std::make_shared<Users>()) {}  // no file: no users
  explicit UsersSource(std::filesystem::path file);     // loads now; throws as load_users
  std::shared_ptr<const Users> current();
  const std::filesystem::path& file() const { return file_; }

 private:
  struct Stamp {
    std::timespec mtime{};
    off_t size = -1;
    ino_t inode = 0;
    bool operator==(const Stamp& o) const {
      return mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec && size == o.size &&
             inode == o.inode;
    }
  };
  Stamp stamp() const;

  std::mutex mu_;
  std::filesystem::path file_;
  Stamp stamp_;
  std::shared_ptr<const Users> users_;
};

// A new bearer token ("pond_" and 64 hex digits: 256 random bits).
std::string new_token();
// The users-file entry of a token: "token:sha256:HEX".
std::string token_entry(std::string_view token);

}  // namespace pond::serve
