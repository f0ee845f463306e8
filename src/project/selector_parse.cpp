#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/text.hpp"
#include "project/selector.hpp"
#include "project/yaml_file.hpp"

namespace pond::project {

namespace {

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int depth_of(std::string_view digits, std::string_view raw) {
  if (digits.empty()) return -1;
  if (digits.size() > 6) throw UserError("selection depth too large in '" + std::string(raw) + "'");
  return std::stoi(std::string(digits));
}

std::string default_method(const std::string& value) {
  if (value.find('/') != std::string::npos || value.find('\\') != std::string::npos) return "path";
  auto ends = [&](std::string_view ext) {
    return value.size() > ext.size() && value.compare(value.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".sql") || ends(".py") || ends(".csv")) return "file";
  return "fqn";
}

void check_method(const std::string& method, std::string_view raw) {
  const auto& known = selection_methods();
  std::string head = method.substr(0, method.find('.'));
  bool ok = std::find(known.begin(), known.end(), head) != known.end();
  if (head == "config" && method.size() <= 7) ok = false;
  if (head != "config" && head != "state" && head != method) ok = false;
  if (!ok) {
    std::string guess = closest_match(head, known);
    throw UserError("unknown selection method '" + method + "' in '" + std::string(raw) + "'",
                    guess.empty() ? "methods: fqn, path, file, tag, config.<key>, resource_type, source, "
                                    "exposure, metric, semantic_model, saved_query, unit_test, test_type, "
                                    "test_name, package, state, result, selector, group, access"
                                  : "did you mean '" + guess + ":'?");
  }
}

SelectionSpec leaf(SelectionCriterion c) {
  SelectionSpec s;
  s.kind = SelectionSpec::Kind::kCriterion;
  s.criterion = std::move(c);
  return s;
}

}  // namespace

const std::vector<std::string>& selection_methods() {
  static const std::vector<std::string> methods{"fqn",       "path",           "file",        "tag",
                                                "config",    "resource_type",  "source",      "exposure",
                                                "test_type", "test_name",      "package",     "state",
                                                "result",    "selector",       "group",       "access",
                                                "metric",    "semantic_model", "saved_query", "unit_test"};
  return methods;
}

SelectionCriterion parse_criterion(std::string_view text) {
  SelectionCriterion c;
  c.raw = std::string(text);
  std::string_view s = text;
  if (!s.empty() && s.front() == '@') {
    c.childrens_parents = true;
    s.remove_prefix(1);
  }
  // Leading "N+" (parents).
  std::size_t plus = s.find('+');
  if (plus != std::string_view::npos && all_digits(s.substr(0, plus)) && plus < s.size() - 1) {
    c.parents = true;
    c.parents_depth = depth_of(s.substr(0, plus), text);
    s.remove_prefix(plus + 1);
  }
  // Trailing "+N" (children).
  std::size_t last = s.rfind('+');
  if (last != std::string_view::npos && last > 0 && all_digits(s.substr(last + 1))) {
    c.children = true;
    c.children_depth = depth_of(s.substr(last + 1), text);
    s = s.substr(0, last);
  }
  if (c.childrens_parents && c.parents) {
    throw UserError("'" + c.raw + "' combines '@' with a leading '+'", "use either @name or +name");
  }
  std::size_t colon = s.find(':');
  std::string method;
  if (colon != std::string_view::npos) {
    std::string_view m = s.substr(0, colon);
    bool word = !m.empty() && std::all_of(m.begin(), m.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.';
    });
    if (word) {
      method = std::string(m);
      s.remove_prefix(colon + 1);
    }
  }
  c.value = std::string(s);
  if (c.value.empty()) throw UserError("empty selector '" + c.raw + "'", "write a name, e.g. -s stg_orders");
  c.method = method.empty() ? default_method(c.value) : method;
  check_method(c.method, text);
  return c;
}

SelectionSpec parse_selection(const std::vector<std::string>& args) {
  SelectionSpec out;
  out.kind = SelectionSpec::Kind::kUnion;
  for (const auto& arg : args) {
    for (const auto& word : split(arg, ' ')) {
      if (trim(word).empty()) continue;
      SelectionSpec inter;
      inter.kind = SelectionSpec::Kind::kIntersection;
      for (const auto& part : split(std::string(trim(word)), ',')) {
        if (part.empty()) throw UserError("empty part in selector '" + word + "'");
        inter.children.push_back(leaf(parse_criterion(part)));
      }
      out.children.push_back(inter.children.size() == 1 ? std::move(inter.children[0]) : std::move(inter));
    }
  }
  return out;
}

namespace {

class SelectorsParser {
 public:
  explicit SelectorsParser(const YamlFile& file) : file_(file) {}

  SelectionSpec definition(const YAML::Node& node) {
    if (node.IsScalar()) {
      try {
        return parse_selection({node.Scalar()});
      } catch (const UserError& e) {
        file_.fail(node, e.message(), e.hint());
      }
    }
    if (!node.IsMap()) file_.fail(node, "a selector definition must be a string or a mapping");
    if (node["union"] || node["intersection"]) {
      bool is_union = static_cast<bool>(node["union"]);
      const YAML::Node items = is_union ? node["union"] : node["intersection"];
      if (!items.IsSequence()) file_.fail(items, "'union:'/'intersection:' must be a list");
      SelectionSpec set;
      set.kind = is_union ? SelectionSpec::Kind::kUnion : SelectionSpec::Kind::kIntersection;
      SelectionSpec excluded;
      excluded.kind = SelectionSpec::Kind::kUnion;
      for (const auto& item : items) {
        if (item.IsMap() && item["exclude"]) {
          for (const auto& ex : exclude_list(item["exclude"])) excluded.children.push_back(ex);
        } else {
          set.children.push_back(definition(item));
        }
      }
      if (excluded.children.empty()) return set;
      SelectionSpec diff;
      diff.kind = SelectionSpec::Kind::kDifference;
      diff.children.push_back(std::move(set));
      diff.children.push_back(std::move(excluded));
      return diff;
    }
    SelectionCriterion c;
    if (node["method"]) {
      c.method = node["method"].Scalar();
      c.value = node["value"] ? node["value"].Scalar() : "";
    } else {
      // Shorthand `tag: nightly`.
      for (const auto& kv : node) {
        std::string k = kv.first.Scalar();
        if (k == "parents" || k == "children" || k == "childrens_parents" || k == "parents_depth" ||
            k == "children_depth" || k == "indirect_selection" || k == "exclude")
          continue;
        c.method = k;
        c.value = kv.second.Scalar();
      }
    }
    if (c.method.empty() || c.value.empty()) file_.fail(node, "a selector needs 'method:' and 'value:'");
    try {
      check_method(c.method, c.method + ":" + c.value);
    } catch (const UserError& e) {
      file_.fail(node, e.message(), e.hint());
    }
    auto flag = [&](const char* k) { return node[k] && node[k].Scalar() == "true"; };
    c.parents = flag("parents");
    c.children = flag("children");
    c.childrens_parents = flag("childrens_parents");
    if (node["parents_depth"]) c.parents_depth = node["parents_depth"].as<int>();
    if (node["children_depth"]) c.children_depth = node["children_depth"].as<int>();
    if (node["indirect_selection"]) c.indirect_selection = node["indirect_selection"].Scalar();
    c.raw = c.method + ":" + c.value;
    SelectionSpec spec = leaf(std::move(c));
    if (node["exclude"]) {
      SelectionSpec diff;
      diff.kind = SelectionSpec::Kind::kDifference;
      diff.children.push_back(std::move(spec));
      SelectionSpec excluded;
      excluded.kind = SelectionSpec::Kind::kUnion;
      excluded.children = exclude_list(node["exclude"]);
      diff.children.push_back(std::move(excluded));
      return diff;
    }
    return spec;
  }

 private:
  std::vector<SelectionSpec> exclude_list(const YAML::Node& node) {
    std::vector<SelectionSpec> out;
    if (node.IsSequence()) {
      for (const auto& e : node) out.push_back(definition(e));
    } else {
      out.push_back(definition(node));
    }
    return out;
  }
  const YamlFile& file_;
};

}  // namespace

std::map<std::string, NamedSelector> load_selectors(const std::filesystem::path& project_root) {
  std::map<std::string, NamedSelector> out;
  std::filesystem::path path = project_root / "selectors.yml";
  if (!std::filesystem::exists(path)) return out;
  YamlFile file = YamlFile::load(path, "selectors.yml");
  const YAML::Node& doc = file.root();
  if (doc.IsNull()) return out;
  const YAML::Node list = doc["selectors"];
  if (!doc.IsMap() || !list || !list.IsSequence()) file.fail(doc, "selectors.yml needs a 'selectors:' list");
  SelectorsParser parser(file);
  for (const auto& item : list) {
    if (!item.IsMap() || !item["name"] || !item["definition"])
      file.fail(item, "each selector needs 'name:' and 'definition:'");
    NamedSelector s;
    s.name = item["name"].Scalar();
    if (item["description"]) s.description = item["description"].Scalar();
    s.is_default = item["default"] && item["default"].Scalar() == "true";
    s.definition = parser.definition(item["definition"]);
    if (out.count(s.name)) file.fail(item, "selector '" + s.name + "' is defined twice");
    out.emplace(s.name, std::move(s));
  }
  return out;
}

}  // namespace pond::project
