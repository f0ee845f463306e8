#pragma once
// The users file of `pond serve --users FILE`: one user a line, "name SCRAM-SHA-256$...",
// '#' starts a comment. Passwords are never stored, only SCRAM verifiers.
#include <filesystem>
#include <map>
#include <string>

#include "serve/scram.hpp"

namespace pond::serve {

// Throws UserError with file:line for a malformed line or a user named twice.
std::map<std::string, ScramVerifier> load_users(const std::filesystem::path& file);

}  // namespace pond::serve
