#include "compile/python_model.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace pond::compile {

namespace {

using nlohmann::json;

// JSON as a Python literal: strings keep JSON's escapes (valid in Python), null/true/false
// become None/True/False.
void python_literal(const json& v, std::string& out, int indent) {
  std::string pad(static_cast<std::size_t>(indent + 4), ' ');
  switch (v.type()) {
    case json::value_t::null:
      out += "None";
      return;
    case json::value_t::boolean:
      out += v.get<bool>() ? "True" : "False";
      return;
    case json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      for (const auto& [k, item] : v.items()) {
        out += pad + json(k).dump() + ": ";
        python_literal(item, out, indent + 4);
        out += ",\n";
      }
      out += std::string(static_cast<std::size_t>(indent), ' ') + "}";
      return;
    }
    case json::value_t::array: {
      out += "[";
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        python_literal(v[i], out, indent);
      }
      out += "]";
      return;
    }
    default:
      out += v.dump();
  }
}

std::string jinja_string(const std::string& s) {
  return json(s).dump();
}

}  // namespace

std::string python_model_template(const project::Node& n) {
  std::string t = "{{ tojson({\"refs\": {";
  for (const auto& r : n.refs) {
    std::string key = r.package.empty() ? r.name : r.package + "." + r.name;
    std::string call = r.package.empty()
                           ? "ref(" + jinja_string(r.name) + ")"
                           : "ref(" + jinja_string(r.package) + ", " + jinja_string(r.name) + ")";
    t += jinja_string(key) + ": (" + call + " | string), ";
  }
  t += "}, \"sources\": {";
  for (const auto& s : n.sources)
    t += jinja_string(s.source + "." + s.table) + ": (source(" + jinja_string(s.source) + ", " +
         jinja_string(s.table) + ") | string), ";
  t += "}, \"this\": {\"database\": this.database, \"schema\": this.schema, \"identifier\": this.identifier, "
       "\"rendered\": (this | string)}, \"is_incremental\": is_incremental()}) }}";
  return t;
}

std::string python_model_code(const project::Node& n, const std::string& rendered_json) {
  json meta = json::parse(rendered_json, nullptr, false);
  if (meta.is_discarded() || !meta.is_object())
    throw InternalError("the Python model preamble of " + n.unique_id + " is not JSON: " + rendered_json);
  meta["config"] = n.config;
  std::string out = n.raw_code;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out +=
      "\n\n# This part is added by pond: dbt's object for this model (refs and sources as relations,\n"
      "# this, the model's config, is_incremental), read by pond's Python model runtime.\n"
      "__pond_dbt__ = ";
  python_literal(meta, out, 0);
  out += "\n";
  return out;
}

}  // namespace pond::compile
