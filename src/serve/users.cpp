#include "serve/users.hpp"

#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace pond::serve {

std::map<std::string, ScramVerifier> load_users(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw UserError(SourceLocation{file.string()}, "cannot read the users file",
                    "create it with lines from `pond serve --hash-password NAME`");
  std::map<std::string, ScramVerifier> users;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string name, verifier, extra;
    if (!(words >> name)) continue;
    SourceLocation where{file.string(), number, 1};
    if (!(words >> verifier) || (words >> extra))
      throw UserError(where, "expected 'NAME SCRAM-SHA-256$...' (a user name and its SCRAM verifier)",
                      "`pond serve --hash-password NAME` prints such a line");
    auto parsed = ScramVerifier::parse(verifier);
    if (!parsed)
      throw UserError(where, "user '" + name + "': not a SCRAM-SHA-256 verifier",
                      "`pond serve --hash-password NAME` prints one; plain passwords are not accepted");
    if (!users.emplace(name, *parsed).second) throw UserError(where, "user '" + name + "' is listed twice");
  }
  return users;
}

}  // namespace pond::serve
