// The DuckDB-file catalog (what `ATTACH 'ducklake:file.ducklake'` users have), through pond's
// engine. A DuckDB file has one writing process at a time; readers in other processes
// must wait until it is closed (DuckDB's own file lock).
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "lake/catalog_db.hpp"

namespace pond::lake {

namespace {

bool returns_rows(std::string_view sql) {
  std::size_t i = sql.find_first_not_of(" \t\r\n(");
  if (i == std::string_view::npos) return false;
  std::string head;
  for (std::size_t j = i; j < sql.size() && j < i + 6; ++j)
    head += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[j])));
  return head.rfind("select", 0) == 0 || head.rfind("with", 0) == 0;
}

class DuckDbCatalogDb : public CatalogDb {
 public:
  explicit DuckDbCatalogDb(const std::string& path)
      : path_(path), db_(open(path)), con_(std::make_unique<engine::Connection>(db_)) {}

  CatalogKind kind() const override { return CatalogKind::kDuckDb; }

  void do_execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    guard(sql, [&] {
      if (params.empty()) {
        con_->execute(sql);
      } else {
        auto stmt = bind(sql, params);
        stmt.execute();
      }
    });
  }

  std::vector<Row> do_query(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::vector<Row> rows;
    guard(sql, [&] {
      std::string text(sql);
      if (returns_rows(sql)) text = "SELECT COLUMNS(*)::VARCHAR FROM (" + text + ") AS pond_q";
      auto stmt = bind(text, params);
      engine::Result r = stmt.execute();
      for (auto& row : r.rows_as_text()) rows.push_back(std::move(row));
    });
    return rows;
  }

  void execute_script(std::string_view sql) override {
    guard(sql, [&] { con_->execute(sql); });
  }

  void begin_write() override {
    execute("BEGIN TRANSACTION", {});
    in_transaction_ = true;
  }
  void begin_read() override { begin_write(); }
  void commit() override {
    in_transaction_ = false;
    execute("COMMIT", {});
  }
  void rollback() override {
    in_transaction_ = false;
    try {
      con_->execute("ROLLBACK");
    } catch (const engine::EngineError&) {  // no transaction open
    }
  }
  bool in_transaction() const override { return in_transaction_; }
  std::string identity_primary_key() const override { return "BIGINT PRIMARY KEY"; }
  bool table_exists(const std::string& name) override {
    return !query("SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?",
                  {name})
                .empty();
  }

 private:
  static engine::Database open(const std::string& path) {
    try {
      return engine::Database::open(path, {{"threads", "1"}});
    } catch (const engine::EngineError& e) {
      throw CatalogError("cannot open DuckDB catalog " + path + ": " + e.what());
    }
  }

  engine::PreparedStatement bind(std::string_view sql, const std::vector<SqlValue>& params) {
    engine::PreparedStatement stmt = con_->prepare(sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::monostate>(v))
        stmt.bind_null(i + 1);
      else if (auto* n = std::get_if<std::int64_t>(&v))
        stmt.bind(i + 1, *n);
      else if (auto* b = std::get_if<bool>(&v))
        stmt.bind(i + 1, *b);
      else if (auto* d = std::get_if<double>(&v))
        stmt.bind(i + 1, *d);
      else
        stmt.bind(i + 1, std::string_view(std::get<std::string>(v)));
    }
    return stmt;
  }

  template <typename F>
  void guard(std::string_view sql, F&& f) {
    try {
      f();
    } catch (const engine::EngineError& e) {
      std::string msg = std::string("DuckDB catalog ") + path_ + ": " + e.what() +
                        " (in: " + std::string(sql.substr(0, 200)) + ")";
      std::string what = e.what();
      if (what.find("onflict") != std::string::npos || what.find("PRIMARY KEY") != std::string::npos ||
          what.find("Duplicate key") != std::string::npos)
        throw CommitRace(msg);
      throw CatalogError(msg);
    }
  }

  std::string path_;
  engine::Database db_;
  std::unique_ptr<engine::Connection> con_;
  bool in_transaction_ = false;
};

}  // namespace

std::unique_ptr<CatalogDb> open_duckdb_catalog(const std::string& path) {
  return std::make_unique<DuckDbCatalogDb>(path);
}

}  // namespace pond::lake
