#pragma once
// Static analysis of a SQL+Jinja file, the fast path dbt itself takes before rendering: finds
// ref()/source()/config() calls with literal arguments, the macros called, and the
// {% macro %} / {% test %} / {% snapshot %} / {% docs %} blocks. Whatever cannot be known
// without rendering (a ref built from a variable) sets `dynamic`.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "project/node.hpp"

namespace pond::project {

// What scan_sql found in one file.
struct SqlScan {
  std::vector<RefCall> refs;
  std::vector<SourceCall> sources;
  nlohmann::json config = nlohmann::json::object();  // merged literal kwargs of config() calls
  std::vector<std::string> calls;                    // other called names ("my_macro", "pkg.m")
  bool dynamic = false;
  bool has_jinja = false;
};

SqlScan scan_sql(std::string_view code);

// The same for a Python model (dbt-duckdb's `def model(dbt, session)`): its dbt.ref(),
// dbt.source() and dbt.config() calls with literal arguments, as dbt finds them in the AST.
SqlScan scan_python(std::string_view code);

// A top-level block: {% <kind> name(args) %} body {% end<kind> %}.
struct JinjaBlock {
  std::string kind;  // macro, test, snapshot, docs, materialization
  std::string name;
  std::vector<std::string> arguments;
  std::size_t begin = 0;       // offset of "{%" of the opening tag
  std::size_t end = 0;         // offset just past the closing tag
  std::size_t body_begin = 0;  // just past the opening tag
  std::size_t body_end = 0;    // offset of "{%" of the closing tag
  int line = 0;
};

// Throws UserError at `file`:line when a block is not closed.
std::vector<JinjaBlock> find_blocks(std::string_view code, const std::string& file);

// 1-based line of `offset` in `text`.
int line_at(std::string_view text, std::size_t offset);

// Parses a Python/Jinja literal (string, number, bool, None, list, tuple, dict); false if `text`
// is anything else. Used for config() kwargs and test arguments.
bool parse_literal(std::string_view text, nlohmann::json& out);

}  // namespace pond::project
