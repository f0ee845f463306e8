#include "lake/file_scan.hpp"

#include <fmt/format.h>

#include <functional>

#include "common/error.hpp"
#include "lake/deletion_vector.hpp"
#include "lake/sql_text.hpp"
#include "lake/types.hpp"

namespace pond::lake {

namespace {

std::string default_of(const Column& c) {
  return fmt::format("CAST({} AS {})", literal_or_null(c.initial_default), duckdb_type_of(c));
}

const NameMapEntry* find_entry(const std::vector<NameMapEntry>& entries, std::int64_t id) {
  for (const auto& e : entries)
    if (e.target == id) return &e;
  return nullptr;
}

// Whether DuckDB's cast by name reads the field as it is: same names all the way down and
// no child added since.
bool castable_by_name(const Column& c, const NameMapEntry& e) {
  if (e.children.empty()) return true;  // the mapping does not look inside
  if (c.children.size() != e.children.size()) return false;
  for (const auto& child : c.children) {
    const NameMapEntry* ce = find_entry(e.children, child.id);
    if (!ce || ce->partition) return false;
    if (c.type == "struct" && ce->source != child.name) return false;
    if (!castable_by_name(child, *ce)) return false;
  }
  return true;
}

class MappedExpr {
 public:
  MappedExpr(const std::string& path, const std::string& table) : path_(path), table_(table) {}

  std::string of(const Column& c, const NameMapEntry* e, const std::string& src, int depth) {
    if (!e) return default_of(c);
    if (e->partition) return partition_value(c, *e);
    const std::string type = duckdb_type_of(c);
    if (castable_by_name(c, *e)) return fmt::format("CAST({} AS {})", src, type);
    if (c.type == "struct") {
      std::string fields;
      for (const auto& child : c.children) {
        const NameMapEntry* ce = find_entry(e->children, child.id);
        std::string child_src =
            ce ? fmt::format("struct_extract({}, {})", src, quote_literal(ce->source)) : "";
        fields += (fields.empty() ? "" : ", ") + quote_identifier(child.name) +
                  " := " + of(child, ce, child_src, depth + 1);
      }
      return fmt::format("CASE WHEN {0} IS NULL THEN NULL ELSE struct_pack({1}) END", src, fields);
    }
    std::string var = "__x" + std::to_string(depth);
    if (c.type == "list" && !c.children.empty()) {
      const NameMapEntry* ce =
          e->children.size() == 1 ? &e->children[0] : find_entry(e->children, c.children[0].id);
      return fmt::format("CAST(list_transform({}, lambda {}: {}) AS {})", src, var,
                         of(c.children[0], ce, var, depth + 1), type);
    }
    if (c.type == "map" && c.children.size() == 2) {
      const NameMapEntry* ke = find_entry(e->children, c.children[0].id);
      const NameMapEntry* ve = find_entry(e->children, c.children[1].id);
      return fmt::format(
          "CAST(map_from_entries(list_transform(map_entries({0}), lambda {1}: struct_pack(key := {2}, value "
          ":= "
          "{3}))) AS {4})",
          src, var, of(c.children[0], ke, var + ".key", depth + 1),
          of(c.children[1], ve, var + ".value", depth + 1), type);
    }
    return fmt::format("CAST({} AS {})", src, type);
  }

 private:
  std::string partition_value(const Column& c, const NameMapEntry& e) {
    if (!hive_) hive_ = hive_partitions(path_);
    auto it = hive_->find(e.source);
    if (it == hive_->end())
      throw UserError(
          fmt::format("table {}: column {} comes from the hive folder '{}=' of file {}, which has none",
                      table_, c.name, e.source, path_),
          "the file was registered as partitioned; move it back into its folder");
    const std::string type = duckdb_type_of(c);
    if (!it->second || (it->second->empty() && c.type != "varchar")) return "CAST(NULL AS " + type + ")";
    return fmt::format("CAST({} AS {})", quote_literal(*it->second), type);
  }

  const std::string& path_;
  const std::string& table_;
  std::optional<std::map<std::string, std::optional<std::string>>> hive_;
};

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::vector<NameMapEntry> load_name_map(CatalogDb& db, std::int64_t mapping_id, const std::string& table) {
  auto types = db.query("SELECT type FROM ducklake_column_mapping WHERE mapping_id = ?", {mapping_id});
  if (types.empty())
    throw UserError(fmt::format("table {}: column mapping {} is not in the catalog", table, mapping_id));
  std::string type = types[0][0].value_or("");
  if (type != "map_by_name")
    throw UserError(fmt::format("table {}: column mapping {} has type '{}'", table, mapping_id, type),
                    "pond reads DuckLake 1.0 mappings of type map_by_name");
  struct Flat {
    std::int64_t id;
    std::optional<std::int64_t> parent;
    NameMapEntry entry;
  };
  std::vector<Flat> flat;
  for (auto& r : db.query("SELECT column_id, source_name, target_field_id, parent_column, is_partition FROM "
                          "ducklake_name_mapping WHERE mapping_id = ? ORDER BY column_id",
                          {mapping_id}))
    flat.push_back({to_int(r[0]), to_opt_int(r[3]), {r[1].value_or(""), to_int(r[2]), to_bool(r[4]), {}}});
  std::function<std::vector<NameMapEntry>(std::optional<std::int64_t>, int)> children_of =
      [&](std::optional<std::int64_t> parent, int depth) {
        if (depth > 64)
          throw UserError(fmt::format("table {}: column mapping {} has a parent cycle", table, mapping_id));
        std::vector<NameMapEntry> out;
        for (const auto& f : flat) {
          if (f.parent != parent) continue;
          NameMapEntry e = f.entry;
          e.children = children_of(f.id, depth + 1);
          out.push_back(std::move(e));
        }
        return out;
      };
  for (const auto& f : flat) {
    bool found = !f.parent;
    for (const auto& p : flat) found = found || (f.parent && p.id == *f.parent);
    if (!found)
      throw UserError(
          fmt::format("table {}: column mapping {} names parent column {}, which it does not have", table,
                      mapping_id, *f.parent));
  }
  return children_of(std::nullopt, 0);
}

std::vector<NameMapEntry> name_map_of(const std::vector<Column>& columns) {
  std::vector<NameMapEntry> out;
  for (const auto& c : columns) out.push_back({c.name, c.id, false, name_map_of(c.children)});
  return out;
}

std::map<std::string, std::optional<std::string>> hive_partitions(std::string_view path) {
  std::map<std::string, std::optional<std::string>> out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find_first_of("/\\", start);
    if (end == std::string_view::npos) break;  // the file name itself is no folder
    std::string_view part = path.substr(start, end - start);
    std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && eq > 0 && part.find('=', eq + 1) == std::string_view::npos) {
      std::string key(part.substr(0, eq));
      std::string value(part.substr(eq + 1));
      std::optional<std::string> v;
      bool is_null = value == "__HIVE_DEFAULT_PARTITION__" ||
                     (value.size() == 4 && (value[0] | 0x20) == 'n' && (value[1] | 0x20) == 'u' &&
                      (value[2] | 0x20) == 'l' && (value[3] | 0x20) == 'l');
      if (!is_null) v = url_decode(value);
      out.emplace(std::move(key), std::move(v));
    }
    start = end + 1;
  }
  return out;
}

std::string mapped_select_list(const std::vector<Column>& columns, const std::vector<NameMapEntry>& map,
                               const std::string& file_path, const std::string& table) {
  MappedExpr expr(file_path, table);
  std::string out;
  for (const auto& c : columns) {
    const NameMapEntry* e = find_entry(map, c.id);
    out += (out.empty() ? "" : ", ") + expr.of(c, e, e ? quote_identifier(e->source) : "", 0) + " AS " +
           quote_identifier(c.name);
  }
  return out;
}

bool nested_layout_differs(const std::vector<Column>& written, const std::vector<Column>& now) {
  std::function<bool(const Column&, const Column&)> differs = [&](const Column& a, const Column& b) {
    if (a.children.size() != b.children.size()) return true;
    for (std::size_t i = 0; i < a.children.size(); ++i) {
      const Column& x = a.children[i];
      const Column& y = b.children[i];
      if (x.id != y.id || (a.type == "struct" && x.name != y.name) || differs(x, y)) return true;
    }
    return false;
  };
  for (const auto& c : now) {
    if (c.children.empty()) continue;
    for (const auto& w : written)
      if (w.id == c.id && differs(w, c)) return true;
  }
  return false;
}

std::string encryption_option(const std::optional<std::string>& key) {
  if (!key || key->empty()) return "";
  return ", encryption_config={footer_key_value: from_base64(" + quote_literal(*key) + ")}";
}

std::string deleted_positions_sql(const DeleteFile& file, const std::string& location, std::int64_t snapshot,
                                  bool time_travel) {
  if (file.format == "puffin") {
    std::vector<std::int64_t> positions = read_deletion_vector(location);
    if (positions.empty()) return "SELECT NULL::BIGINT AS pos WHERE false";
    std::string list;
    for (auto p : positions) list += (list.empty() ? "" : ", ") + std::to_string(p);
    return "SELECT unnest([" + list + "]::BIGINT[]) AS pos";
  }
  if (file.format != "parquet")
    throw UserError(fmt::format("delete file {} has format '{}'", location, file.format),
                    "pond reads parquet positional deletes and puffin deletion vectors");
  std::string sql = "SELECT pos FROM read_parquet(" + quote_literal(location) +
                    encryption_option(file.encryption_key) + ") AS d";
  // A partial delete file names, per row, the snapshot that deleted it.
  if (file.partial_max && snapshot < *file.partial_max) {
    sql += " WHERE _ducklake_internal_snapshot_id <= " + std::to_string(snapshot);
  } else if (time_travel) {
    // Without partial_max the column may or may not be there (the extension reads it
    // whenever it is, as ducklake_delete_filter.cpp does); reading the row as JSON finds it
    // without failing on files that lack it. Only older snapshots pay for this.
    sql += " WHERE coalesce(CAST(to_json(d)->>'_ducklake_internal_snapshot_id' AS BIGINT), 0) <= " +
           std::to_string(snapshot);
  }
  return sql;
}

}  // namespace pond::lake
