// run_query(), `{% call statement(name, fetch_result=True) %}...{% endcall %}`, load_result(),
// store_result() and adapter-free execution of SQL during a render. Results are kept per render
// (NodeRender::statement_results), as dbt keeps them per node.
#include "compile/statements.hpp"

#include "compile/query_table.hpp"
#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

std::string str_arg(CallArgs& a, std::size_t i, std::string_view name) {
  Value v = a.get(i, name);
  return v.is_undefined() || v.is_none() ? std::string() : v.str();
}

}  // namespace

void install_statements(jinja::Environment& env, ContextData& data) {
  // dbt's run_query returns an agate table; at parse time (execute is false) it returns none.
  env.add_function("run_query", [&data](CallArgs& a) {
    NodeRender& r = render_of(a);
    if (r.parse) return Value::none();
    return query_table(data.hooks->run_query(str_arg(a, 0, "sql")));
  });
  // A call block passes its body as `caller`; rendering it gives the SQL. Nothing is executed
  // at parse time, and the block itself renders to nothing.
  env.add_function("statement", [&data](CallArgs& a) {
    NodeRender& r = render_of(a);
    if (r.parse) return Value("");
    const Value* caller = a.kwarg("caller");
    if (!caller || !caller->is_callable())
      throw jinja::TemplateError(
          jinja::ErrorKind::kRuntime,
          "statement() is used as a call block: {% call statement('name') %}...{% endcall %}");
    CallArgs none;
    none.render = a.render;
    std::string sql = a.render->call(*caller, none).str();
    std::string name = str_arg(a, 0, "name");
    bool fetch = a.get(1, "fetch_result", Value(false)).truthy();
    QueryResult result = data.hooks->run_query(sql);
    if (!name.empty()) r.statement_results[name] = statement_result(result, fetch);
    return Value("");
  });
  env.add_function("load_result", [](CallArgs& a) {
    NodeRender& r = render_of(a);
    auto it = r.statement_results.find(str_arg(a, 0, "name"));
    return it == r.statement_results.end() ? Value::none() : it->second;
  });
  // store_result(name, response, agate_table) and store_raw_result(name, message, code,
  // rows_affected, agate_table), as dbt's materializations call them.
  auto store = [](CallArgs& a, bool raw) {
    NodeRender& r = render_of(a);
    Value response = Value::dict();
    if (raw) {
      response.as_dict().set(Value("_message"), a.get(1, "message", Value("OK")));
      response.as_dict().set(Value("code"), a.get(2, "code", Value("OK")));
      response.as_dict().set(Value("rows_affected"), a.get(3, "rows_affected", Value(-1)));
    } else {
      response = a.get(1, "response", Value::none());
    }
    Value table = a.get(raw ? 4 : 2, "agate_table", Value::none());
    Value stored = Value::dict();
    stored.as_dict().set(Value("response"), response);
    std::vector<Value> rows;
    if (table.is_object() && table.as_object()->iterable())
      for (const auto& row : table.as_object()->iterate())
        rows.push_back(row.is_object() ? Value::tuple(row.as_object()->iterate()) : row);
    stored.as_dict().set(Value("data"), Value::list(std::move(rows)));
    stored.as_dict().set(Value("table"), table);
    r.statement_results[str_arg(a, 0, "name")] = stored;
    return Value("");
  };
  env.add_function("store_result", [store](CallArgs& a) { return store(a, false); });
  env.add_function("store_raw_result", [store](CallArgs& a) { return store(a, true); });
}

}  // namespace pond::compile
