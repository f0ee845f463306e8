#include "materialize/session.hpp"

#include <cctype>
#include <chrono>
#include <thread>

#include "common/log.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"

namespace pond::materialize {

engine::Result Session::run(std::string_view sql) {
  auto t0 = std::chrono::steady_clock::now();
  log_.push_back({std::string(sql), 0});
  bool debug = log::enabled(log::Level::kDebug);
  if (debug) log::write(log::Level::kDebug, fmt::format("On {}: {}", label_.empty() ? "pond" : label_, sql));
  engine::Result r = con_.query(sql);
  log_.back().seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (debug)
    log::write(log::Level::kDebug, fmt::format("SQL status: OK in {:.3f} seconds", log_.back().seconds));
  return r;
}

void Session::note(std::string sql, double seconds) {
  if (log::enabled(log::Level::kDebug))
    log::write(log::Level::kDebug, fmt::format("On {}: {}\n({:.3f} seconds)",
                                               label_.empty() ? "pond" : label_, sql, seconds));
  log_.push_back({std::move(sql), seconds});
}

std::uint64_t Session::execute(std::string_view sql) {
  return run(sql).rows_changed();
}

std::int64_t Session::scalar_int(std::string_view sql) {
  engine::Result r = con_.query(sql);
  auto chunk = r.next_chunk();
  if (!chunk || chunk->size() == 0 || chunk->is_null(0, 0)) return 0;
  return chunk->get<std::int64_t>(0, 0);
}

namespace {

std::string catalog_filter(const Relation& rel) {
  std::string where = "schema_name = " + quote_literal(rel.schema);
  if (!rel.database.empty())
    where += " AND database_name = " + quote_literal(rel.database);
  else
    where += " AND database_name = current_database()";
  return where;
}

}  // namespace

RelationKind Session::kind_of(const Relation& rel) {
  if (cache_) {
    if (auto k = cache_->kind(rel)) return *k;
  }
  std::string filter = catalog_filter(rel);
  std::string sql = "SELECT (SELECT count(*) FROM duckdb_tables() WHERE " + filter +
                    " AND table_name = " + quote_literal(rel.identifier) +
                    ") * 1 + (SELECT count(*) FROM duckdb_views() WHERE " + filter +
                    " AND view_name = " + quote_literal(rel.identifier) + ") * 2";
  switch (scalar_int(sql)) {
    case 1:
      return RelationKind::kTable;
    case 2:
      return RelationKind::kView;
    default:
      return RelationKind::kNone;
  }
}

std::vector<Column> Session::columns_of(const Relation& rel) {
  return columns_of_query("SELECT * FROM " + rel.render());
}

std::vector<Column> Session::columns_of_query(std::string_view sql) {
  engine::PreparedStatement stmt = con_.prepare(sql);
  std::vector<Column> out;
  for (std::size_t c = 0; c < stmt.column_count(); ++c) {
    out.push_back({stmt.column_name(c), stmt.column_type(c).name});
  }
  return out;
}

void Session::remember(const Relation& rel, RelationKind kind) {
  if (cache_) cache_->set(rel, kind);
}

void Session::ensure_schema(const Relation& rel) {
  if (cache_ && cache_->has_schema(rel).value_or(false)) return;
  std::string filter = catalog_filter(rel);
  if (scalar_int("SELECT count(*) FROM duckdb_schemas() WHERE " + filter) > 0) {
    if (cache_) cache_->add_schema(rel);
    return;
  }
  // Two workers may create the same schema at once: DuckDB fails the second with a write-write
  // conflict while the first has not committed yet, so the loser waits for the schema to appear.
  for (int attempt = 0;; ++attempt) {
    try {
      execute("CREATE SCHEMA IF NOT EXISTS " + rel.render_schema());
      break;
    } catch (const engine::EngineError& e) {
      bool conflict = std::string_view(e.what()).find("onflict") != std::string_view::npos;
      if (!conflict || e.interrupted() || attempt >= 100) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (scalar_int("SELECT count(*) FROM duckdb_schemas() WHERE " + filter) > 0) break;
    }
  }
  if (cache_) cache_->add_schema(rel);
}

Transaction::Transaction(Session& session) : session_(session) {
  session_.execute("BEGIN TRANSACTION");
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    session_.connection().query("ROLLBACK");
  } catch (const std::exception&) {
    // The transaction is already aborted (e.g. interrupted); DuckDB discards it either way.
  }
}

void Transaction::commit() {
  open_ = false;
  session_.execute("COMMIT");
}

}  // namespace pond::materialize
