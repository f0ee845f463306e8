#pragma once
// The users file of `pond serve --users FILE`: one entry a line, '#' starts a comment:
//   NAME SCRAM-SHA-256$...          a password (PostgreSQL's SCRAM verifier), for the wire server
//   NAME token:sha256:HEX           a bearer token of the HTTP table API (its SHA-256)
// Passwords and tokens are never stored, only verifiers and hashes.
#include <filesystem>
#include <map>
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

// A new bearer token ("pond_" and 64 hex digits: 256 random bits).
std::string new_token();
// The users-file entry of a token: "token:sha256:HEX".
std::string token_entry(std::string_view token);

}  // namespace pond::serve
