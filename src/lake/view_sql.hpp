#pragma once
// View SQL that any attacher reads. The DuckLake extension stores a view's references to
// its own lake as `{DUCKLAKE_CATALOG}.schema.name` and replaces the placeholder with the
// name the lake is attached under when it reads the view; pond does the same, so a view
// pond writes works in DuckDB under any ATTACH alias and views the extension wrote work
// in pond.
#include <string>
#include <string_view>
#include <vector>

#include "lake/model.hpp"

namespace pond::lake {

inline constexpr std::string_view kLakeCatalogPlaceholder = "{DUCKLAKE_CATALOG}";

// Replaces the qualifier `catalog.` (quoted or not; DuckDB catalog names ignore case)
// outside string literals, quoted identifiers of other names and comments by
// `{DUCKLAKE_CATALOG}.`. A qualifier right after a dot is a schema name and is kept.
std::string portable_view_sql(std::string_view sql, std::string_view catalog);

// Replaces `{DUCKLAKE_CATALOG}.` (outside literals and comments) by `"catalog".`, or
// removes it when `catalog` is empty (the reader's current database).
std::string resolve_view_sql(std::string_view sql, std::string_view catalog);

// `"a","b"` (ducklake_view.column_aliases: names in double quotes, quotes doubled, comma
// separated; empty for none) as names. Throws UserError on any other text.
std::vector<std::string> parse_column_aliases(std::string_view text);

// What follows `CREATE VIEW name` for a lake view read into DuckDB: its column aliases and
// `AS` its SQL resolved for `catalog`. A view of another SQL dialect becomes a view that
// fails naming the dialect when queried, so the rest of the lake stays readable.
std::string view_body(const View& view, std::string_view catalog);

}  // namespace pond::lake
