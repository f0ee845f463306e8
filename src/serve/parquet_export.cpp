#include "serve/parquet_export.hpp"

#include <openssl/rand.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>

#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/prepared_statement.hpp"
#include "serve/sql_error.hpp"
#include "serve/sql_split.hpp"

namespace pond::serve {

ExportFolder::ExportFolder() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/pond-serve-export-XXXXXX";
  if (!::mkdtemp(pattern.data()))  // mode 0700
    throw UserError("cannot create a temporary folder for Parquet results under " + pattern,
                    "set TMPDIR to a writable folder");
  path_ = pattern;
}

ExportFolder::~ExportFolder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ParquetFile::ParquetFile(engine::Connection& con, const std::filesystem::path& folder, const std::string& sql,
                         const std::vector<std::string>& parameters) {
  if (!balanced_parentheses(sql))
    throw SqlError("42601", "the query's parentheses, quotes or comments are not closed");
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw InternalError("RAND_bytes failed");
  std::string name;
  for (unsigned char b : bytes) name += "0123456789abcdef"[b >> 4], name += "0123456789abcdef"[b & 15];
  file_ = folder / (name + ".parquet");
  // The newlines end a trailing `--` comment; balanced parentheses keep the query inside its own.
  engine::PreparedStatement copy =
      con.prepare("COPY (\n" + sql + "\n) TO " + quote_literal(file_.string()) + " (FORMAT parquet)");
  for (std::size_t i = 0; i < parameters.size(); ++i) copy.bind(i + 1, std::string_view(parameters[i]));
  copy.execute();
}

ParquetFile::~ParquetFile() {
  std::error_code ec;
  std::filesystem::remove(file_, ec);
}

void ParquetFile::stream(const std::function<bool(std::string_view)>& write) const {
  std::ifstream in(file_, std::ios::binary);
  if (!in) throw InternalError("the Parquet result " + file_.string() + " is gone");
  std::string piece(64 * 1024, '\0');
  while (in) {
    in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    if (!write(std::string_view(piece.data(), static_cast<std::size_t>(n)))) return;
  }
}

}  // namespace pond::serve
