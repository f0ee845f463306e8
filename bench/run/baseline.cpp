// bench/run's physical limit: the statements `pond run` executed (its target/run/ files), run one
// after another by a minimal program on DuckDB's C API, with nothing else around them.
//
//   run_baseline DB LIST     runs the SQL files named in LIST (one path a line), in order;
//                            prints the wall time from opening DB to the last statement, in s
//   run_baseline DB -c SQL   runs SQL (loads the benchmark's dataset)
#include <duckdb.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Db {
 public:
  explicit Db(const std::string& path) {
    if (duckdb_open(path.c_str(), &db_) == DuckDBError || duckdb_connect(db_, &con_) == DuckDBError)
      throw std::runtime_error("cannot open " + path);
  }
  ~Db() {
    duckdb_disconnect(&con_);
    duckdb_close(&db_);
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql, const std::string& where) {
    duckdb_result r;
    if (duckdb_query(con_, sql.c_str(), &r) == DuckDBError) {
      std::string msg = duckdb_result_error(&r);
      duckdb_destroy_result(&r);
      throw std::runtime_error(where + ": " + msg);
    }
    duckdb_destroy_result(&r);
  }

 private:
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 4 && std::string(argv[2]) == "-c")) {
    std::cerr << "usage: run_baseline DB LIST | run_baseline DB -c SQL\n";
    return 2;
  }
  try {
    if (argc == 4) {
      Db db(argv[1]);
      db.exec(argv[3], "-c");
      return 0;
    }
    // The files are read before the clock starts: pond's side reads its project too, but the
    // physical limit is executing the SQL, not finding it.
    std::vector<std::pair<std::string, std::string>> files;
    std::ifstream list(argv[2]);
    for (std::string line; std::getline(list, line);)
      if (!line.empty()) files.emplace_back(line, read_file(line));
    auto t0 = std::chrono::steady_clock::now();
    {
      Db db(argv[1]);
      for (const auto& [path, sql] : files) db.exec(sql, path);
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%.6f\n", s);
  } catch (const std::exception& e) {
    std::cerr << "run_baseline: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
