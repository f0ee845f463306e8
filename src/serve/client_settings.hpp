#pragma once
// The PostgreSQL session settings drivers set and read at connect (pgjdbc's
// `SET extra_float_digits = 3`, Metabase's `show timezone`) that DuckDB does not have: pond
// keeps them as DuckDB session variables, so a session reads back what it set.
#include <optional>
#include <string>
#include <string_view>

namespace pond::serve {

struct ClientSettingStatement {
  std::string sql;  // what DuckDB runs instead
  std::string tag;  // the command tag: SET, RESET or SHOW
};

// For `SET [SESSION] name {=|TO} value`, `RESET name` or `SHOW name` of such a setting, the
// DuckDB statement that does it; std::nullopt for any other statement. A value pond cannot
// honour (a DateStyle other than ISO, an encoding other than UTF8) throws SqlError 22023.
std::optional<ClientSettingStatement> client_setting_statement(std::string_view sql);

}  // namespace pond::serve
