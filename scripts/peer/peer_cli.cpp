// A minimal duckdb CLI for scripts/lake-interop: DuckDB (npm libduckdb.so) with the ducklake
// extension linked in statically. Supports the flags the script uses: -c SQL, -csv, -noheader,
// -bail, -unsigned (ignored) and an optional database file; otherwise reads SQL from stdin.
#include <iostream>
#include <sstream>

#include "duckdb.hpp"
#include "ducklake_extension.hpp"

using namespace duckdb;

static std::string csv_field(const Value& v) {
  if (v.IsNull()) {
    return "";
  }
  auto s = v.ToString();
  if (s.find_first_of(",\"\n\r") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  return out + "\"";
}

int main(int argc, char** argv) {
  bool csv = false, header = true, bail = false;
  std::string sql, file;
  bool have_sql = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-c" && i + 1 < argc) {
      sql = argv[++i];
      have_sql = true;
    } else if (a == "-csv") {
      csv = true;
    } else if (a == "-noheader") {
      header = false;
    } else if (a == "-header") {
      header = true;
    } else if (a == "-bail") {
      bail = true;
    } else if (a == "-unsigned") {
    } else if (a == "-version" || a == "--version") {
      std::cout << DuckDB::LibraryVersion() << " " << DuckDB::SourceID() << " + ducklake (static)\n";
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "peer_cli: unknown flag " << a << "\n";
      return 2;
    } else {
      file = a;
    }
  }
  if (!have_sql) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    sql = ss.str();
  }
  DuckDB db(file.empty() ? nullptr : file.c_str());
  db.LoadStaticExtension<DucklakeExtension>();
  Connection con(db);
  int rc = 0;
  // Like DuckDB's shell, statements run one by one: a syntax error in one does not stop the rest.
  vector<std::string> stmts;
  {
    std::string cur;
    char quote = 0;
    for (size_t i = 0; i < sql.size(); i++) {
      char c = sql[i];
      cur += c;
      if (quote) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
        while (i + 1 < sql.size() && sql[i + 1] != '\n') {
          cur += sql[++i];
        }
      } else if (c == ';') {
        stmts.push_back(cur);
        cur.clear();
      }
    }
    if (cur.find_first_not_of(" \t\r\n") != std::string::npos) {
      stmts.push_back(cur);
    }
  }
  for (auto& stmt : stmts) {
    if (stmt.find_first_not_of(" \t\r\n;") == std::string::npos) {
      continue;
    }
    auto result = con.Query(stmt);
    if (result->HasError()) {
      std::cerr << "Error: " << result->GetError() << "\n";
      rc = 1;
      if (bail) {
        return 1;
      }
      continue;
    }
    // Like DuckDB's shell: DDL and DML print nothing, only queries do.
    if (result->properties.return_type != StatementReturnType::QUERY_RESULT) {
      continue;
    }
    const char* sep = csv ? "," : "|";
    if (header && !result->names.empty()) {
      for (idx_t c = 0; c < result->names.size(); c++) {
        std::cout << (c ? sep : "") << result->names[c];
      }
      std::cout << "\n";
    }
    for (idx_t r = 0; r < result->RowCount(); r++) {
      for (idx_t c = 0; c < result->ColumnCount(); c++) {
        auto v = result->GetValue(c, r);
        std::cout << (c ? sep : "") << (csv ? csv_field(v) : (v.IsNull() ? "NULL" : v.ToString()));
      }
      std::cout << "\n";
    }
  }
  return rc;
}
