#include "lake/catalog_db.hpp"

namespace pond::lake {

std::unique_ptr<CatalogDb> open_catalog_db(const std::string& spec) {
  auto starts = [&](std::string_view p) { return spec.rfind(p, 0) == 0; };
  auto ends = [&](std::string_view s) {
    return spec.size() >= s.size() && spec.compare(spec.size() - s.size(), s.size(), s) == 0;
  };
  if (starts("sqlite:")) return state::open_sqlite(spec.substr(7));
  if (starts("postgres:")) return state::open_postgres(spec.substr(9));
  if (starts("postgresql:")) return state::open_postgres(spec.substr(11));
  if (starts("duckdb:")) return open_duckdb_catalog(spec.substr(7));
  if (starts("ducklake:")) return open_duckdb_catalog(spec.substr(9));
  if (ends(".ducklake") || ends(".duckdb")) return open_duckdb_catalog(spec);
  return state::open_sqlite(spec);
}

}  // namespace pond::lake
