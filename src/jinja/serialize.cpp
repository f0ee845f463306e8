// Python's json.dumps (the tojson filter) and pprint.pformat (the pprint filter) for template
// values: same escapes, separators, key order and line breaking as the Python modules.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "jinja/error.hpp"
#include "jinja/filters_util.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {
// "\u00e9": Python json's escape of one UTF-16 code unit.
void json_u_escape(std::string& out, std::uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  char b[6] = {'\\',           'u', kHex[(unit >> 12) & 15], kHex[(unit >> 8) & 15], kHex[(unit >> 4) & 15],
               kHex[unit & 15]};
  out.append(b, sizeof b);
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      // A run of characters that need no escape is copied at once.
      std::size_t j = i + 1;
      while (j < s.size()) {
        auto d = static_cast<unsigned char>(s[j]);
        if (d < 0x20 || d >= 0x7f || d == '"' || d == '\\') break;
        ++j;
      }
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            json_u_escape(out, c);  // Python's json escapes DEL too (ensure_ascii: anything outside ' '..'~')
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + n > s.size()) n = 1;
    std::uint32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      json_u_escape(out, 0xD800 + (cp >> 10));
      json_u_escape(out, 0xDC00 + (cp & 0x3FF));
    } else {
      json_u_escape(out, cp);
    }
    i += n;
  }
  out += '"';
}

std::string json_key(const Value& k) {
  if (k.is_bool()) return k.as_bool() ? "true" : "false";
  if (k.is_none()) return "null";
  if (k.is_int() || k.is_float()) return k.str();
  fail_type("keys must be str, int, float, bool or None, not " + k.type_name());
}

void json_value(std::string& out, const Value& v, std::int64_t indent, int level, bool sort_keys = true) {
  if (level > 400) throw TemplateError(ErrorKind::kValue, "Circular reference detected");
  auto newline = [&](int lv) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * lv), ' ');
  };
  const char* item_sep = indent < 0 ? ", " : ",";
  switch (v.kind()) {
    case Kind::kNone:
      out += "null";
      return;
    case Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Kind::kInt:
      out += v.str();
      return;
    case Kind::kFloat: {
      double d = v.as_float();
      if (std::isnan(d))
        out += "NaN";
      else if (std::isinf(d))
        out += d < 0 ? "-Infinity" : "Infinity";
      else
        out += float_repr(d);
      return;
    }
    case Kind::kStr:
      json_string(out, v.as_str());
      return;
    case Kind::kList:
    case Kind::kTuple: {
      const auto& items = v.items();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += item_sep;
        newline(level + 1);
        json_value(out, items[i], indent, level + 1, sort_keys);
      }
      newline(level);
      out += ']';
      return;
    }
    case Kind::kDict: {
      // str keys are sorted in place; others are printed into `printed` (reserved: views stay valid).
      const auto& items = v.as_dict().entries();
      std::vector<std::pair<std::string_view, const Value*>> entries;
      entries.reserve(items.size());
      std::vector<std::string> printed;
      printed.reserve(items.size());
      for (const auto& [k, x] : items) {
        if (k.is_str()) {
          entries.emplace_back(k.as_str(), &x);
        } else {
          printed.push_back(json_key(k));
          entries.emplace_back(printed.back(), &x);
        }
      }
      // Usually a handful of keys: insertion sort (stable, and without stable_sort's buffer).
      if (!sort_keys) {
      } else if (entries.size() <= 16) {
        for (std::size_t i = 1; i < entries.size(); ++i)
          for (std::size_t j = i; j > 0 && entries[j].first < entries[j - 1].first; --j)
            std::swap(entries[j], entries[j - 1]);
      } else {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      }
      if (entries.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i) out += item_sep;
        newline(level + 1);
        json_string(out, entries[i].first);
        out += ": ";
        json_value(out, *entries[i].second, indent, level + 1, sort_keys);
      }
      newline(level);
      out += '}';
      return;
    }
    default:
      fail_type("Object of type " + v.type_name() + " is not JSON serializable");
  }
}

// Whether a list or tuple holds a dict at some depth: only then does its one-line pprint form
// (sorted keys) differ from its repr.
bool holds_dict(const Value& v, int level) {
  if (v.is_dict()) return true;
  if (!v.is_sequence_like() || level > 400) return false;
  return std::any_of(v.items().begin(), v.items().end(),
                     [&](const Value& x) { return holds_dict(x, level + 1); });
}

void pformat_impl(std::string& out, const Value& v, int indent, int allowance, int level) {
  if (level > 400) throw TemplateError(ErrorKind::kLimit, "maximum recursion depth exceeded in pprint");
  std::string rep;
  // one-line form with sorted dict keys
  if (v.is_dict()) {
    std::vector<std::pair<Value, Value>> entries = v.as_dict().entries();
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      try {
        return less_than(a.first, b.first);
      } catch (const TemplateError&) {
        return a.first.type_name() < b.first.type_name();
      }
    });
    // The one-line form's width does not depend on the order of the keys: no sorted copy needed.
    if (static_cast<int>(v.repr().size()) <= 80 - indent - allowance || entries.empty()) {
      std::string one;
      one += '{';
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i) one += ", ";
        one += entries[i].first.repr() + ": ";
        pformat_impl(one, entries[i].second, indent, allowance, level + 1);
      }
      out += one + '}';
      return;
    }
    out += '{';
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i) {
        out += ",\n";
        out.append(static_cast<std::size_t>(indent + 1), ' ');
      }
      std::string k = entries[i].first.repr();
      out += k + ": ";
      pformat_impl(out, entries[i].second, indent + 1 + static_cast<int>(k.size()) + 2,
                   i + 1 == entries.size() ? allowance + 1 : 1, level + 1);
    }
    out += '}';
    return;
  }
  rep = v.repr();
  if (static_cast<int>(rep.size()) <= 80 - indent - allowance || !v.is_sequence_like() || v.items().empty()) {
    if (v.is_sequence_like() && holds_dict(v, 0)) {
      // nested dicts still need sorted keys
      bool tup = v.is_tuple();
      std::string one = tup ? "(" : "[";
      const auto& items = v.items();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) one += ", ";
        pformat_impl(one, items[i], indent, allowance, level + 1);
      }
      if (tup && items.size() == 1) one += ',';
      one += tup ? ")" : "]";
      out += one;
      return;
    }
    out += rep;
    return;
  }
  bool tup = v.is_tuple();
  out += tup ? '(' : '[';
  const auto& items = v.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) {
      out += ",\n";
      out.append(static_cast<std::size_t>(indent + 1), ' ');
    }
    pformat_impl(out, items[i], indent + 1, i + 1 == items.size() ? allowance + 1 : 1, level + 1);
  }
  if (tup && items.size() == 1) out += ',';
  out += tup ? ')' : ']';
}
}  // namespace

std::string to_json(const Value& v, std::int64_t indent) {
  std::string out;
  json_value(out, v, indent, 0);
  return out;
}

std::string json_dumps(const Value& v, std::int64_t indent, bool sort_keys) {
  std::string out;
  json_value(out, v, indent, 0, sort_keys);
  return out;
}

std::string pformat(const Value& v) {
  std::string out;
  pformat_impl(out, v, 0, 0, 0);
  return out;
}

}  // namespace pond::jinja
