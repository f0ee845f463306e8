// `pond users add|passwd|rm|list NAME`: the users file of `pond serve` (src/serve/users_file),
// with passwords typed at a terminal (no echo, twice) or read from stdin with --password-stdin.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/scope_guard.hpp"
#include "orchestrate/config.hpp"
#include "project/project_locator.hpp"
#include "serve/scram.hpp"
#include "serve/users_file.hpp"

namespace pond::cli {

namespace {

std::string without_line_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// One line typed at the terminal without echo (restored however this ends).
std::string prompt_hidden(const std::string& text) {
  termios old{};
  if (tcgetattr(STDIN_FILENO, &old) != 0) throw UserError("cannot read the terminal's settings");
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  // Typeahead is dropped (TCSAFLUSH) before the prompt shows, so what is typed after it counts.
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  ScopeGuard restore([&] { tcsetattr(STDIN_FILENO, TCSANOW, &old); });
  std::cerr << text << std::flush;
  std::string line;
  std::getline(std::cin, line);
  std::cerr << "\n";
  return without_line_end(line);
}

std::string read_password(const UsersOptions& o) {
  if (o.password_stdin) {
    std::string password;
    std::getline(std::cin, password);
    password = without_line_end(password);
    if (password.empty())
      throw UserError("no password on standard input",
                      "e.g. echo \"$PW\" | pond users add alice --password-stdin");
    return password;
  }
  if (!isatty(STDIN_FILENO))
    throw UserError("standard input is not a terminal, so pond cannot ask for the password",
                    "type it at a terminal, or pipe it with --password-stdin");
  std::string password = prompt_hidden("Password for " + o.name + ": ");
  if (password.empty()) throw UserError("the password is empty", "type a password");
  if (prompt_hidden("Again: ") != password) throw UserError("the passwords do not match", "run it again");
  return password;
}

std::filesystem::path users_file(CommandContext& ctx, const UsersOptions& o) {
  if (o.users_file) return *o.users_file;
  std::filesystem::path root =
      project::find_project_root(ctx.options.project_dir.value_or(std::filesystem::current_path()));
  if (auto named = orchestrate::load_pond_config(root).serve.users) return *named;
  return default_users_file(root);
}

}  // namespace

std::filesystem::path default_users_file(const std::filesystem::path& project_root) {
  return project_root / "serve_users";
}

int run_users(CommandContext& ctx, const UsersOptions& o) {
  serve::UsersFile file = serve::UsersFile::open(users_file(ctx, o));
  if (o.action == "list") {
    for (const auto& name : file.names()) std::cout << name << "\n";
    return 0;
  }
  serve::check_user_name(o.name);
  if (o.action == "add" || o.action == "passwd") {
    bool exists = file.has_password(o.name);
    if (o.action == "add" && exists)
      throw UserError("user '" + o.name + "' already has a password in " + file.path().string(),
                      "change it with `pond users passwd " + o.name + "`");
    if (o.action == "passwd" && !exists)
      throw UserError("user '" + o.name + "' has no password in " + file.path().string(),
                      "add the user with `pond users add " + o.name + "`");
    file.set_password(o.name, serve::make_verifier(read_password(o)));
    file.save();
    std::cout << (o.action == "add" ? "added user " : "changed the password of ") << o.name
              << (o.action == "add" ? " to " : " in ") << file.path().string() << "\n";
    return 0;
  }
  POND_ASSERT(o.action == "rm", "unknown users action");
  std::size_t removed = file.remove(o.name);
  if (removed == 0)
    throw UserError("user '" + o.name + "' is not in " + file.path().string(),
                    "`pond users list` shows who is");
  file.save();
  std::cout << "removed user " << o.name << " (" << removed << (removed == 1 ? " line" : " lines")
            << ") from " << file.path().string() << "\n";
  return 0;
}

}  // namespace pond::cli
