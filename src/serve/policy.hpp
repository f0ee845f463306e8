#pragma once
// Who may read what (docs/serve.md "Roles and grants"): roles with their members, grants on
// schemas and tables, row filters and column masks, as `pond serve` enforces them on every
// statement of a non-admin session (authorize.hpp). Built once at start and checked against
// the lake: a policy naming an unknown table or column is a UserError at pond.yml:line:col.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "engine/connection.hpp"

namespace pond::serve {

// A lake relation shown in the server's database: (schema, name), lower case.
using RelationName = std::pair<std::string, std::string>;

// The lake's tables and views at one snapshot, as the authorizer needs them.
struct LakeObjects {
  struct View {
    std::string sql;                   // the body, resolved for the server's database
    std::vector<std::string> aliases;  // column aliases (may be empty)
  };
  std::set<RelationName> tables;
  std::map<RelationName, View> views;
  bool contains(const RelationName& n) const { return tables.count(n) || views.count(n); }
};

// What one role may read. Names are lower case (DuckDB's identifiers ignore case).
struct RolePolicy {
  struct Restriction {
    std::optional<std::string> row_filter;                           // a predicate over the table's columns
    std::map<std::string, std::optional<std::string>> column_masks;  // column -> expression (nullopt: NULL)
  };
  std::string name;
  bool admin = false;
  std::map<std::string, std::optional<std::set<std::string>>> grants;  // schema -> tables (nullopt: all)
  std::map<RelationName, Restriction> restrictions;

  bool may_read(const RelationName& n) const;
  // The SQL of the subquery a granted relation is read through: its masked columns, rows
  // passing its filter, and a LIMIT so that DuckDB cannot push the reader's predicates below
  // the filter (docs/serve.md "Error side channels"). nullopt: no restriction.
  std::optional<std::string> restricted_select(const RelationName& n) const;
};

// pond.yml serve.user_settings: per user, NAME -> the text current_setting('pond.NAME') gives
// in its role's filters and masks and in its own statements (NULL when the user has none).
using UserSettings = std::map<std::string, std::map<std::string, std::string>>;

// The input of build_policies (pond.yml's serve.roles, read by orchestrate).
struct RoleSpec {
  struct Name {
    std::string name;
    SourceLocation where;
  };
  struct Grant {
    Name schema;
    std::vector<Name> tables;
  };
  struct RowFilter {
    Name table;
    std::string predicate;
    SourceLocation where;
  };
  struct ColumnMask {
    Name table;
    Name column;
    std::optional<std::string> expression;
    SourceLocation where;
  };
  Name name;
  bool admin = false;
  std::vector<Name> members;
  std::vector<Grant> grants;
  std::vector<RowFilter> row_filters;
  std::vector<ColumnMask> column_masks;
};

class Policies {
 public:
  // No roles: every user is an admin (pond serve before roles existed).
  Policies();
  // Checks every name against the lake (its tables, views and their columns) and every
  // filter and mask by preparing it on `con`; throws UserError at the spec's place.
  // A filter or mask may read current_setting('pond.NAME') for a NAME some user of `settings` has.
  Policies(const std::vector<RoleSpec>& roles, engine::Connection& con, const LakeObjects& lake,
           UserSettings settings = {});

  bool enabled() const { return enabled_; }
  // The role of a user: the admin role when roles are not configured; a role without grants
  // for a user no role lists.
  const RolePolicy& role_of(const std::string& user) const;
  const std::vector<std::shared_ptr<const RolePolicy>>& roles() const { return roles_; }
  const std::map<std::string, std::string>& members() const { return role_by_user_; }
  // The user's pond.NAME settings (empty when it has none).
  const std::map<std::string, std::string>& settings_of(const std::string& user) const;

 private:
  bool enabled_ = false;
  std::vector<std::shared_ptr<const RolePolicy>> roles_;
  std::map<std::string, std::string> role_by_user_;
  UserSettings settings_;
  std::map<std::string, std::string> no_settings_;
  RolePolicy admin_;
  RolePolicy nobody_;
};

// Records, in the server's database, which lake relations each role may read
// (pond_catalog.lake_objects, role_grants, role_members: what the catalog views and
// has_table_privilege show per role). Runs inside the views' refresh transaction.
void record_role_grants(engine::Connection& con, const Policies& policies, const LakeObjects& lake);

// Lower case (ASCII), as DuckDB compares identifiers.
std::string lower(std::string s);
// The name of a user setting that `current_setting` reads: "pond.region" -> "region"; nullopt
// for any other setting.
std::optional<std::string> user_setting_name(std::string_view setting);

// "schema.table" or "table" (schema main) as a RelationName.
RelationName relation_name(const std::string& text);

}  // namespace pond::serve
