#include "project/generic_tests.hpp"

#include "common/text.hpp"
#include "project/hashing.hpp"
#include "project/sql_scan.hpp"

namespace pond::project {

namespace {

using nlohmann::json;

// Python's str() of a YAML value.
std::string python_str(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_float()) {
    std::string s = v.dump();
    if (s.find('.') == std::string::npos && s.find('e') == std::string::npos) s += ".0";
    return s;
  }
  return python_repr_hashable(v);
}

// Appends Python's repr() of a str (quotes chosen as Python does), copying runs of plain
// characters at once.
void repr_string_to(std::string& out, std::string_view s) {
  char quote = (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) ? '"' : '\'';
  out += quote;
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    const char* escaped = c == '\\'    ? "\\\\"
                          : c == quote ? (quote == '"' ? "\\\"" : "\\'")
                          : c == '\n'  ? "\\n"
                          : c == '\t'  ? "\\t"
                          : c == '\r'  ? "\\r"
                                       : nullptr;
    if (!escaped) continue;
    out.append(s.data() + run, i - run);
    out += escaped;
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
  out += quote;
}

void repr_hashable_to(std::string& out, const json& value) {
  if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : value.items()) {  // nlohmann objects iterate in sorted key order
      if (!first) out += ", ";
      first = false;
      repr_string_to(out, k);
      out += ": ";
      repr_hashable_to(out, v);
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i) out += ", ";
      repr_hashable_to(out, value[i]);
    }
    out += ']';
  } else if (value.is_string()) {
    repr_string_to(out, value.get_ref<const std::string&>());
  } else {
    repr_string_to(out, python_str(value));
  }
}

std::string clean(const std::string& s) {
  std::string out;
  bool in_run = false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (ok) {
      out += c;
      in_run = false;
    } else if (!in_run) {
      out += '_';
      in_run = true;
    }
  }
  return out;
}

}  // namespace

std::string python_repr_hashable(const json& value) {
  std::string out;
  repr_hashable_to(out, value);
  return out;
}

std::pair<std::string, std::string> generic_test_names(const std::string& test_type,
                                                       const std::string& target_name, const json& args) {
  std::vector<std::string> flat;
  for (const auto& [key, v] : args.items()) {  // sorted by argument name, as dbt sorts
    if (key == "model") continue;
    if (v.is_object()) {
      for (const auto& [k2, part] : v.items()) flat.push_back(python_str(part));
    } else if (v.is_array()) {
      for (const auto& part : v) flat.push_back(python_str(part));
    } else {
      flat.push_back(python_str(v));
    }
  }
  std::string unique;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    if (i) unique += "__";
    unique += clean(flat[i]);
  }
  std::string identifier = test_type + "_" + target_name;
  std::string full = identifier + "_" + unique;
  if (full.size() >= 64) return {identifier.substr(0, 30) + "_" + md5_hex(full), full};
  return {full, full};
}

Node make_generic_test(const TestSpec& spec, const Node& target, const SchemaFile& yaml,
                       const std::string& package) {
  Node t;
  t.resource_type = ResourceType::kTest;
  t.package_name = package;
  std::string test_name = spec.test_name;
  std::string ns;
  if (auto dot = test_name.find('.'); dot != std::string::npos) {
    ns = test_name.substr(0, dot);
    test_name = test_name.substr(dot + 1);
  }
  json args = spec.args;
  if (!spec.column_name.empty()) args["column_name"] = spec.column_name;

  bool is_source = target.resource_type == ResourceType::kSource;
  std::string type_prefix = (ns.empty() ? "" : ns + "_") + (is_source ? "source_" : "") + test_name;
  std::string target_name = is_source ? target.source_name + "_" + target.name : target.name;
  auto [short_name, full_name] = generic_test_names(type_prefix, target_name, args);
  std::string name = spec.custom_name.empty() ? full_name : spec.custom_name;
  if (!spec.custom_name.empty()) short_name = spec.custom_name;

  TestMetadata md;
  md.name = test_name;
  md.namespace_ = ns;
  md.kwargs = args;
  md.kwargs["model"] =
      is_source ? "{{ get_where_subquery(source('" + target.source_name + "', '" + target.name + "')) }}"
                : "{{ get_where_subquery(ref('" + target.name + "')) }}";
  // repr() of the dict {"name", "kwargs", "namespace"} that dbt hashes, keys in sorted order.
  std::string hashed = name;
  hashed += "{'kwargs': ";
  repr_hashable_to(hashed, md.kwargs);
  hashed += ", 'name': ";
  repr_string_to(hashed, md.name);
  hashed += ", 'namespace': ";
  repr_string_to(hashed, ns.empty() ? std::string_view("None") : std::string_view(ns));
  hashed += '}';
  std::string hash = md5_hex(hashed).substr(22);

  t.name = name;
  t.unique_id = "test." + package + "." + name + "." + hash;
  t.alias = short_name;
  t.path = short_name + ".sql";
  t.original_file_path = yaml.original_file_path;
  t.fqn = {package};
  std::vector<std::string> parts = split(yaml.path, '/');
  if (!parts.empty()) parts.pop_back();
  for (auto& p : parts)
    if (!p.empty()) t.fqn.push_back(p);
  t.fqn.push_back(name);
  t.description = spec.description;
  t.column_name = spec.column_name;
  t.attached_node = is_source ? "" : target.unique_id;
  t.raw_code = "{{ " + (ns.empty() ? "" : ns + ".") + "test_" + test_name + "(**_dbt_generic_test_kwargs) }}";
  t.checksum = "";
  if (is_source) {
    t.sources.push_back(SourceCall{target.source_name, target.name, spec.line});
  } else {
    t.refs.push_back(RefCall{"", target.name, spec.line});
  }
  // Arguments such as relationships' `to: ref('customers')` add dependencies.
  for (const auto& [key, v] : spec.args.items()) {
    if (!v.is_string()) continue;
    const std::string& s = v.get_ref<const std::string&>();
    if (s.find("ref(") == std::string::npos && s.find("source(") == std::string::npos) continue;
    SqlScan scan = scan_sql("{{ " + s + " }}");
    for (auto r : scan.refs) {
      r.line = spec.line;
      t.refs.push_back(r);
    }
    for (auto sc : scan.sources) {
      sc.line = spec.line;
      t.sources.push_back(sc);
    }
  }
  t.depends_on_macros.push_back((ns.empty() ? std::string("test_") : ns + ".test_") + test_name);
  t.depends_on_macros.push_back("get_where_subquery");
  t.test_metadata = std::move(md);
  return t;
}

}  // namespace pond::project
