#include "dbt/unit_test_plan.hpp"

#include "common/error.hpp"
#include "common/text.hpp"

namespace pond::dbt {

namespace {

using nlohmann::json;

std::string literal(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  if (v.is_string()) return quote_literal(v.get<std::string>());
  return quote_literal(v.dump());
}

}  // namespace

materialize::FixtureRows fixture_rows(const project::UnitTestRows& rows, const std::string& where) {
  materialize::FixtureRows out;
  if (rows.format == "sql") {
    out.sql = rows.rows.get<std::string>();
    return out;
  }
  auto add_column = [&](const std::string& c) {
    for (const auto& have : out.columns)
      if (iequals(have, c)) return;
    out.columns.push_back(c);
  };
  if (rows.format == "dict") {
    for (const auto& row : rows.rows) {
      std::map<std::string, std::string> r;
      for (const auto& [k, v] : row.items()) {
        add_column(k);
        r[k] = literal(v);
      }
      out.rows.push_back(std::move(r));
    }
    return out;
  }
  std::vector<std::string> header;
  for (std::string_view line : split(rows.rows.get<std::string>(), '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    std::vector<std::string> fields = project::csv_fields(line, where);
    if (header.empty()) {
      header = fields;
      for (const auto& c : header) add_column(c);
      continue;
    }
    if (fields.size() != header.size())
      throw UserError(where + ": a CSV row has " + std::to_string(fields.size()) + " fields, the header " +
                      std::to_string(header.size()) + ": " + std::string(line));
    std::map<std::string, std::string> r;
    for (std::size_t k = 0; k < fields.size(); ++k)
      r[header[k]] = fields[k].empty() || fields[k] == "null" ? "null" : quote_literal(fields[k]);
    out.rows.push_back(std::move(r));
  }
  return out;
}

materialize::UnitTestSpec unit_test_spec(const project::UnitTest& test, const project::Manifest& manifest,
                                         std::size_t model, UnitTestCompile compile) {
  const project::Node& m = manifest.nodes.at(model);
  std::string where =
      manifest.display_path(test.package_name, test.original_file_path) + ": unit test '" + test.name + "'";
  materialize::UnitTestSpec spec;
  spec.unique_id = test.unique_id;
  spec.name = test.name;
  spec.model = m.name;
  compile::UnitTestRender render;
  render.vars = test.vars;
  render.env_vars = test.env_vars;
  render.macros = test.macros;
  render.where = where;
  if (auto it = test.macros.find("is_incremental"); it != test.macros.end())
    render.is_incremental = it->is_boolean() ? it->get<bool>() : !it->is_null();
  for (const auto& g : test.given) {
    const project::Node* node = manifest.find(g.unique_id);
    if (!node) throw UserError(where + ": input " + g.input + " is no longer in the project");
    materialize::UnitTestFixture f;
    f.input = g.input;
    f.relation = node->relation_name;
    f.rows = fixture_rows(g.rows, where + ", input " + g.input);
    if (g.is_this) {
      f.is_this = true;
      f.cte = "__dbt__cte__this";
      render.this_cte = f.cte;
    } else {
      f.cte = "__dbt__cte__" + (node->resource_type == project::ResourceType::kSource
                                    ? node->source_name + "__" + node->name
                                    : node->name);
      render.fixtures[g.unique_id] = f.cte;
    }
    spec.given.push_back(std::move(f));
  }
  spec.expect = fixture_rows(test.expect, where + ", expect");
  spec.actual_sql = [render, compile = std::move(compile),
                     model](const std::vector<std::pair<std::string, std::string>>& ctes) {
    compile::UnitTestRender r = render;
    r.ctes = ctes;
    return compile(model, r);
  };
  return spec;
}

}  // namespace pond::dbt
