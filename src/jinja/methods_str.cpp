// Python's str methods (`s.upper()`, `s.split(",")`, ...) with Python's edge cases.
#include <algorithm>
#include <cmath>

#include "jinja/error.hpp"
#include "jinja/methods.hpp"
#include "jinja/methods_internal.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

std::int64_t int_arg(const CallArgs& a, std::size_t i, std::int64_t dflt) {
  if (i >= a.args.size() || a.args[i].is_none()) return dflt;
  if (!a.args[i].is_int() && !a.args[i].is_bool())
    fail_type("'" + a.args[i].type_name() + "' object cannot be interpreted as an integer");
  return a.args[i].as_int();
}

namespace {

const std::string& str_arg(const CallArgs& a, std::size_t i, const char* method) {
  if (i >= a.args.size() || !a.args[i].is_str()) {
    std::string got = i < a.args.size() ? a.args[i].type_name() : "nothing";
    fail_type(std::string(method) + "() argument must be str, not " + got);
  }
  return a.args[i].as_str();
}

std::int64_t cp_index(std::string_view s, std::size_t byte) {
  return utf8_length(s.substr(0, byte));
}

// Byte offsets of Python's s[start:end] for the optional start/end arguments at position i.
std::pair<std::size_t, std::size_t> byte_range(const std::string& s, const CallArgs& a, std::size_t i) {
  bool ascii = is_ascii(s);
  std::vector<std::string_view> cs;
  if (!ascii) cs = utf8_chars(s);
  auto n = static_cast<std::int64_t>(ascii ? s.size() : cs.size());
  auto norm = [&](std::int64_t v) {
    if (v < 0) v = std::max<std::int64_t>(0, v + n);
    return std::min(v, n);
  };
  std::int64_t lo = norm(int_arg(a, i, 0));
  std::int64_t hi = norm(int_arg(a, i + 1, n));
  auto to_byte = [&](std::int64_t cp) -> std::size_t {
    if (ascii) return static_cast<std::size_t>(cp);
    if (cp >= n) return s.size();
    return static_cast<std::size_t>(cs[static_cast<std::size_t>(cp)].data() - s.data());
  };
  return {to_byte(lo), to_byte(hi)};
}

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string strip_impl(const std::string& s, const CallArgs& a, bool left, bool right) {
  if (a.args.empty() || a.args[0].is_none()) {
    std::size_t b = 0, e = s.size(), n;
    if (left)
      while (b < e && is_py_space(s, b, &n)) b += n;
    if (right)
      while (e > b) {
        // step back one code point
        std::size_t p = e - 1;
        while (p > b && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
        if (!is_py_space(s, p, &n) || p + n != e) break;
        e = p;
      }
    return s.substr(b, e - b);
  }
  const std::string& chars = str_arg(a, 0, "strip");
  auto set = utf8_chars(chars);
  auto cs = utf8_chars(s);
  std::size_t b = 0, e = cs.size();
  auto has = [&](std::string_view c) { return std::find(set.begin(), set.end(), c) != set.end(); };
  if (left)
    while (b < e && has(cs[b])) ++b;
  if (right)
    while (e > b && has(cs[e - 1])) --e;
  std::string out;
  for (std::size_t i = b; i < e; ++i) out += cs[i];
  return out;
}

std::vector<std::string> split_ws(const std::string& s, std::int64_t maxsplit) {
  std::vector<std::string> out;
  std::size_t i = 0, n;
  while (true) {
    while (i < s.size() && is_py_space(s, i, &n)) i += n;
    if (i >= s.size()) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) == maxsplit) {
      std::size_t e = s.size();
      while (e > i && is_ws(s[e - 1])) --e;
      out.push_back(s.substr(i, e - i));
      break;
    }
    std::size_t j = i;
    while (j < s.size() && !is_py_space(s, j, &n)) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string> split_sep(const std::string& s, const std::string& sep, std::int64_t maxsplit) {
  if (sep.empty()) throw TemplateError(ErrorKind::kValue, "empty separator");
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) == maxsplit) break;
    std::size_t p = s.find(sep, i);
    if (p == std::string::npos) break;
    out.push_back(s.substr(i, p - i));
    i = p + sep.size();
  }
  out.push_back(s.substr(i));
  return out;
}

std::vector<std::string> rsplit_sep(const std::string& s, const std::string& sep, std::int64_t maxsplit) {
  if (sep.empty()) throw TemplateError(ErrorKind::kValue, "empty separator");
  std::vector<std::string> out;
  std::size_t end = s.size();
  while (true) {
    if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) == maxsplit) break;
    if (end < sep.size()) break;
    std::size_t p = s.rfind(sep, end - sep.size());
    if (p == std::string::npos) break;
    out.push_back(s.substr(p + sep.size(), end - p - sep.size()));
    end = p;
  }
  out.push_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> rsplit_ws(const std::string& s, std::int64_t maxsplit) {
  if (maxsplit < 0) return split_ws(s, -1);
  std::vector<std::string> out;
  std::size_t e = s.size();
  while (true) {
    while (e > 0 && is_ws(s[e - 1])) --e;
    if (e == 0) break;
    if (static_cast<std::int64_t>(out.size()) == maxsplit) {
      std::size_t b = 0;
      while (b < e && is_ws(s[b])) ++b;
      out.push_back(s.substr(b, e - b));
      break;
    }
    std::size_t b = e;
    while (b > 0 && !is_ws(s[b - 1])) --b;
    out.push_back(s.substr(b, e - b));
    e = b;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Value str_list(const std::vector<std::string>& parts) {
  std::vector<Value> v;
  v.reserve(parts.size());
  for (const auto& p : parts) v.emplace_back(p);
  return Value::list(std::move(v));
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_lower_c(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper_c(char c) {
  return c >= 'A' && c <= 'Z';
}

std::string pad(const std::string& s, std::int64_t width, std::string_view fill, int align) {
  std::int64_t len = utf8_length(s);
  if (width <= len) return s;
  if (width > (1 << 26)) throw TemplateError(ErrorKind::kLimit, "padding width exceeds the size limit");
  std::int64_t total = width - len;
  std::int64_t left = align < 0 ? 0 : align > 0 ? total : total / 2 + (total & width & 1);
  std::string out;
  for (std::int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (std::int64_t i = 0; i < total - left; ++i) out += fill;
  return out;
}

std::string fill_arg(const CallArgs& a, std::size_t i) {
  if (i >= a.args.size()) return " ";
  const std::string& f = str_arg(a, i, "fill");
  if (utf8_length(f) != 1) fail_type("The fill character must be exactly one character long");
  return f;
}

bool starts_ends(const std::string& s, const Value& what, bool start, const char* m) {
  auto test = [&](const Value& p) {
    if (!p.is_str())
      fail_type(std::string(m) + " first arg must be str or a tuple of str, not " + p.type_name());
    const std::string& x = p.as_str();
    if (x.size() > s.size()) return false;
    return start ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (what.is_tuple()) {
    for (const auto& p : what.items())
      if (test(p)) return true;
    return false;
  }
  return test(what);
}

}  // namespace

bool str_method(const Value& self, std::string_view name, CallArgs& a, Value& r) {
  const std::string& s = self.as_str();
  if (name == "upper")
    r = Value(ascii_upper(s));
  else if (name == "lower" || name == "casefold")
    r = Value(ascii_lower(s));
  else if (name == "strip")
    r = Value(strip_impl(s, a, true, true));
  else if (name == "lstrip")
    r = Value(strip_impl(s, a, true, false));
  else if (name == "rstrip")
    r = Value(strip_impl(s, a, false, true));
  else if (name == "split" || name == "rsplit") {
    Value sep = a.get(0, "sep", Value::none());
    std::int64_t maxsplit = a.get(1, "maxsplit", Value(std::int64_t{-1})).as_int();
    bool rs = name == "rsplit";
    if (sep.is_none())
      r = str_list(rs ? rsplit_ws(s, maxsplit) : split_ws(s, maxsplit));
    else if (!sep.is_str())
      fail_type("must be str or None, not " + sep.type_name());
    else
      r = str_list(rs ? rsplit_sep(s, sep.as_str(), maxsplit) : split_sep(s, sep.as_str(), maxsplit));
  } else if (name == "replace") {
    const std::string& old = str_arg(a, 0, "replace");
    const std::string& neu = str_arg(a, 1, "replace");
    std::int64_t count = int_arg(a, 2, -1);
    std::string out;
    if (old.empty()) {
      auto cs = utf8_chars(s);
      std::int64_t done = 0;
      for (std::size_t i = 0; i <= cs.size(); ++i) {
        if (count < 0 || done < count) {
          out += neu;
          ++done;
        }
        if (i < cs.size()) out += cs[i];
      }
    } else {
      std::size_t i = 0;
      std::int64_t done = 0;
      while (count < 0 || done < count) {
        std::size_t p = s.find(old, i);
        if (p == std::string::npos) break;
        out.append(s, i, p - i);
        out += neu;
        if (out.size() > (std::size_t{1} << 28))
          throw TemplateError(ErrorKind::kLimit, "replace result exceeds the size limit");
        i = p + old.size();
        ++done;
      }
      out.append(s, i, std::string::npos);
    }
    r = Value(std::move(out));
  } else if (name == "startswith" || name == "endswith") {
    if (a.args.empty()) fail_type(std::string(name) + "() takes at least 1 argument (0 given)");
    auto [lo, hi] = byte_range(s, a, 1);
    std::string window = hi >= lo ? s.substr(lo, hi - lo) : std::string();
    r = Value(starts_ends(window, a.args[0], name == "startswith",
                          name == "startswith" ? "startswith" : "endswith"));
  } else if (name == "format") {
    r = Value(str_format(s, a));
  } else if (name == "format_map") {
    CallArgs b;
    if (!a.args.empty() && a.args[0].is_dict())
      for (const auto& [k, v] : a.args[0].as_dict().entries()) b.kwargs.emplace_back(k.str(), v);
    r = Value(str_format(s, b));
  } else if (name == "join") {
    if (a.args.empty()) fail_type("join() takes exactly one argument (0 given)");
    std::string out;
    std::size_t i = 0;
    for (const auto& v : iterate(a.args[0])) {
      if (!v.is_str())
        fail_type("sequence item " + std::to_string(i) + ": expected str instance, " + v.type_name() +
                  " found");
      if (i++) out += s;
      out += v.as_str();
      if (out.size() > (std::size_t{1} << 28))
        throw TemplateError(ErrorKind::kLimit, "join result exceeds the size limit");
    }
    r = Value(std::move(out));
  } else if (name == "title") {
    r = Value(py_case_words(s, true, false));
  } else if (name == "capitalize") {
    r = Value(py_case_words(s, false, false));
  } else if (name == "swapcase") {
    r = Value(py_case_words(s, false, true));
  } else if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    const std::string& sub = str_arg(a, 0, "find");
    auto [lo, hi] = byte_range(s, a, 1);
    bool rev = name[0] == 'r';
    std::size_t p = std::string::npos;
    if (hi >= lo && hi - lo >= sub.size()) {
      std::string_view window(s.data() + lo, hi - lo);
      p = rev ? window.rfind(sub) : window.find(sub);
    }
    if (p == std::string::npos) {
      if (name == "index" || name == "rindex") throw TemplateError(ErrorKind::kValue, "substring not found");
      r = Value(std::int64_t{-1});
    } else {
      r = Value(cp_index(s, lo + p));
    }
  } else if (name == "count") {
    const std::string& sub = str_arg(a, 0, "count");
    auto [lo, hi] = byte_range(s, a, 1);
    std::string_view window(s.data() + lo, hi >= lo ? hi - lo : 0);
    std::int64_t n = 0;
    if (sub.empty()) {
      n = utf8_length(window) + 1;
    } else {
      for (std::size_t p = window.find(sub); p != std::string::npos; p = window.find(sub, p + sub.size()))
        ++n;
    }
    r = Value(n);
  } else if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") {
    r = Value(!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }));
  } else if (name == "isalpha") {
    r = Value(!s.empty() && std::all_of(s.begin(), s.end(), is_alpha));
  } else if (name == "isalnum") {
    r = Value(!s.empty() &&
              std::all_of(s.begin(), s.end(), [](char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }));
  } else if (name == "isspace") {
    r = Value(!s.empty() && std::all_of(s.begin(), s.end(), is_ws));
  } else if (name == "isascii") {
    r = Value(is_ascii(s));
  } else if (name == "islower" || name == "isupper") {
    bool any = false, ok = true;
    for (char c : s) {
      if (is_lower_c(c)) {
        any = true;
        if (name == "isupper") ok = false;
      } else if (is_upper_c(c)) {
        any = true;
        if (name == "islower") ok = false;
      }
    }
    r = Value(any && ok);
  } else if (name == "istitle") {
    bool prev = false, any = false, ok = true;
    for (char c : s) {
      if (is_upper_c(c)) {
        if (prev) ok = false;
        prev = any = true;
      } else if (is_lower_c(c)) {
        if (!prev) ok = false;
        prev = true;
      } else {
        prev = false;
      }
    }
    r = Value(any && ok);
  } else if (name == "isidentifier") {
    bool ok = !s.empty() && !(s[0] >= '0' && s[0] <= '9');
    for (char c : s) ok = ok && (is_alpha(c) || c == '_' || (c >= '0' && c <= '9'));
    r = Value(ok);
  } else if (name == "center" || name == "ljust" || name == "rjust") {
    std::int64_t w = int_arg(a, 0, 0);
    int align = name == "center" ? 0 : name == "ljust" ? -1 : 1;
    r = Value(pad(s, w, fill_arg(a, 1), align));
  } else if (name == "zfill") {
    std::int64_t w = int_arg(a, 0, 0);
    std::int64_t len = utf8_length(s);
    if (w <= len) {
      r = Value(s);
    } else {
      if (w > (1 << 26)) throw TemplateError(ErrorKind::kLimit, "zfill width exceeds the size limit");
      std::string out;
      std::size_t start = 0;
      if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        out += s[0];
        start = 1;
      }
      out.append(static_cast<std::size_t>(w - len), '0');
      out.append(s, start, std::string::npos);
      r = Value(std::move(out));
    }
  } else if (name == "splitlines") {
    bool keep = a.get(0, "keepends", Value(false)).truthy();
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i < s.size()) {
      std::size_t j = i;
      while (j < s.size() && s[j] != '\n' && s[j] != '\r') ++j;
      std::size_t e = j;
      if (j < s.size()) {
        j += (s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n') ? 2 : 1;
      }
      parts.push_back(s.substr(i, (keep ? j : e) - i));
      i = j;
    }
    r = str_list(parts);
  } else if (name == "partition" || name == "rpartition") {
    const std::string& sep = str_arg(a, 0, "partition");
    if (sep.empty()) throw TemplateError(ErrorKind::kValue, "empty separator");
    std::size_t p = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (p == std::string::npos) {
      r = name == "partition" ? Value::tuple({Value(s), Value(""), Value("")})
                              : Value::tuple({Value(""), Value(""), Value(s)});
    } else {
      r = Value::tuple({Value(s.substr(0, p)), Value(sep), Value(s.substr(p + sep.size()))});
    }
  } else if (name == "removeprefix") {
    const std::string& p = str_arg(a, 0, "removeprefix");
    r = Value(s.compare(0, p.size(), p) == 0 && p.size() <= s.size() ? s.substr(p.size()) : s);
  } else if (name == "removesuffix") {
    const std::string& p = str_arg(a, 0, "removesuffix");
    bool ends = !p.empty() && p.size() <= s.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
    r = Value(ends ? s.substr(0, s.size() - p.size()) : s);
  } else if (name == "expandtabs") {
    std::int64_t ts = int_arg(a, 0, 8);
    std::string out;
    std::int64_t col = 0;
    for (char c : s) {
      if (c == '\t') {
        std::int64_t n = ts > 0 ? ts - col % ts : 0;
        out.append(static_cast<std::size_t>(n), ' ');
        col += n;
      } else {
        out += c;
        col = (c == '\n' || c == '\r') ? 0 : col + 1;
      }
    }
    r = Value(std::move(out));
  } else {
    return false;
  }
  return true;
}

}  // namespace pond::jinja
