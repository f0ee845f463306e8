#pragma once
// Authorization of one statement of a non-admin session, on its parse tree (docs/serve.md
// "Roles and grants"): DuckDB serializes the parsed statement to JSON (json_serialize_sql),
// pond walks it, refuses what the role may not read or run, replaces every reference to a
// granted lake relation by the role's restricted subquery (policy.hpp), and DuckDB turns the
// tree back into SQL (json_deserialize_sql). The client's text is never spliced into SQL.
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/connection.hpp"
#include "serve/policy.hpp"

namespace pond::serve {

// DuckDB's error message without the excerpt of the statement it quotes ("LINE 1: ..."): for a
// role, that statement is the rewritten one, whose filters and masks the role must not read.
std::string without_statement_excerpt(const std::string& duckdb_message);

class Authorizer {
 public:
  // `settings`: the user's pond.NAME settings, what current_setting('pond.NAME') reads.
  Authorizer(const RolePolicy& role, std::string user, std::shared_ptr<const LakeObjects> lake,
             std::map<std::string, std::string> settings = {});

  // The SQL to run for `sql` (one statement). Throws SqlError: 42501 for what the role may
  // not read or run, 42P01 for a relation that is not there, 42601 for a syntax error.
  // Transaction statements and harmless SETs come back as they are.
  std::string rewrite(engine::Connection& con, std::string_view sql);

 private:
  friend struct Walker;
  // The parse tree of one SELECT statement as JSON text ({"node": ..., "named_param_map": ...}).
  std::string parse(engine::Connection& con, std::string_view sql, bool from_client);
  // The cached parse tree of pond's own SQL (restricted subqueries, filtered catalog relations).
  const std::string& parsed(engine::Connection& con, const std::string& sql);

  const RolePolicy& role_;
  std::string user_;
  std::shared_ptr<const LakeObjects> lake_;
  std::map<std::string, std::string> settings_;
  std::map<std::string, std::string> parsed_;
};

}  // namespace pond::serve
