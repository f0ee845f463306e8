#pragma once
// The users file edited by `pond users add|passwd|rm`: lines replaced or removed one user at a
// time, comments and other users' lines kept as they are, and the file written atomically with
// mode 0600 (it holds SCRAM verifiers and token hashes: not passwords, but nothing others need).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "serve/scram.hpp"

namespace pond::serve {

// Throws UserError for a name the file's format cannot hold (empty, spaces, '#').
void check_user_name(std::string_view name);

class UsersFile {
 public:
  // A missing file is empty; an existing one must load (load_users' errors, with file:line).
  static UsersFile open(const std::filesystem::path& file);

  const std::filesystem::path& path() const { return file_; }
  bool has_password(std::string_view name) const;
  // The users with a password or a token, in the file's order, each once.
  std::vector<std::string> names() const;
  // Replaces the user's password line, or appends one.
  void set_password(std::string_view name, const ScramVerifier& verifier);
  // Removes every line of the user (password and tokens); returns how many.
  std::size_t remove(std::string_view name);
  // Writes the file atomically (a temporary file with mode 0600 renamed over it).
  void save() const;

 private:
  explicit UsersFile(std::filesystem::path file) : file_(std::move(file)) {}
  // The user a line is about and whether it is a password line ("" for comments and blanks).
  static std::string user_of(const std::string& line, bool* password);

  std::filesystem::path file_;
  std::vector<std::string> lines_;
};

}  // namespace pond::serve
