#include "serve/users_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "common/scope_guard.hpp"
#include "serve/users.hpp"

namespace pond::serve {

void check_user_name(std::string_view name) {
  if (name.empty() || name.find_first_of(" \t\r\n#") != std::string_view::npos)
    throw UserError("user name '" + std::string(name) + "' is empty or contains a space or '#'",
                    "choose a name without them");
}

UsersFile UsersFile::open(const std::filesystem::path& file) {
  UsersFile users(file);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return users;
  load_users(file);  // a malformed file is reported at its line, never rewritten
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) users.lines_.push_back(line);
  return users;
}

std::string UsersFile::user_of(const std::string& line, bool* password) {
  std::istringstream words(line.substr(0, line.find('#')));
  std::string name, secret;
  if (!(words >> name >> secret)) return "";
  if (password) *password = secret.rfind("token:", 0) != 0;
  return name;
}

bool UsersFile::has_password(std::string_view name) const {
  for (const auto& line : lines_) {
    bool password = false;
    if (user_of(line, &password) == name && password) return true;
  }
  return false;
}

std::vector<std::string> UsersFile::names() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& line : lines_)
    if (std::string name = user_of(line, nullptr); !name.empty() && seen.insert(name).second)
      out.push_back(name);
  return out;
}

void UsersFile::set_password(std::string_view name, const ScramVerifier& verifier) {
  check_user_name(name);
  std::string entry = std::string(name) + " " + verifier.to_string();
  for (auto& line : lines_) {
    bool password = false;
    if (user_of(line, &password) == name && password) {
      line = entry;
      return;
    }
  }
  lines_.push_back(entry);
}

std::size_t UsersFile::remove(std::string_view name) {
  return std::erase_if(lines_, [&](const std::string& line) { return user_of(line, nullptr) == name; });
}

void UsersFile::save() const {
  std::string content;
  for (const auto& line : lines_) content += line + "\n";
  std::filesystem::path tmp = file_;
  tmp += ".tmp." + std::to_string(::getpid());
  // Created 0600 by open() itself, so the content is never readable by others, not even briefly.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw UserError("cannot write " + tmp.string() + ": " + std::strerror(errno),
                    "check that the folder is writable (a leftover .tmp file of an interrupted run can go)");
  std::error_code ec;
  ScopeGuard remove_tmp([&] { std::filesystem::remove(tmp, ec); });
  {
    ScopeGuard close_fd([fd] { ::close(fd); });
    std::size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw UserError("cannot write " + tmp.string() + ": " + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) throw UserError("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  std::filesystem::rename(tmp, file_, ec);
  if (ec) throw UserError("cannot replace " + file_.string() + ": " + ec.message());
  remove_tmp.dismiss();
}

}  // namespace pond::serve
