#include "jinja/filters_util.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "jinja/error.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"
#include "jinja/parser.hpp"

namespace pond::jinja {

AttrGetter::AttrGetter(const Value& attribute, Value dflt)
    : default_(std::move(dflt)), has_default_(!default_.is_undefined() && !default_.is_none()) {
  if (attribute.is_none() || attribute.is_undefined()) return;
  if (!attribute.is_str()) {
    parts_.push_back(attribute);
    return;
  }
  const std::string& s = attribute.as_str();
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.find('.') == std::string::npos && !std::all_of(s.begin(), s.end(), digit)) {
    parts_.push_back(attribute);  // one name (`attribute='name'`): the value itself, no copy of it
    single_key_ = true;
    return;
  }
  std::size_t i = 0;
  while (true) {
    std::size_t p = s.find('.', i);
    std::string part = s.substr(i, p == std::string::npos ? std::string::npos : p - i);
    bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    if (digits && part.size() < 18)
      parts_.emplace_back(static_cast<std::int64_t>(std::stoll(part)));
    else
      parts_.emplace_back(part);
    if (p == std::string::npos) break;
    i = p + 1;
  }
  single_key_ = parts_.size() == 1 && parts_.front().is_str();
}

const Value* AttrGetter::peek(const Value& item, bool& missing) const {
  missing = false;
  if (!single_key_ || !item.is_dict()) return nullptr;
  const std::string& key = parts_.front().as_str();
  if (const Value* v = item.as_dict().find_str(key)) return has_default_ && v->is_undefined() ? nullptr : v;
  if (dict_method_ < 0) dict_method_ = has_method(item, key) ? 1 : 0;  // the same for every dict
  missing = !has_default_ && dict_method_ == 0;
  return nullptr;
}

Value AttrGetter::operator()(Interp&, const Value& item) const {
  if (const Value* found = peek(item)) return *found;
  if (parts_.empty()) return item;
  Value v = get_item(item, parts_.front());
  if (has_default_ && v.is_undefined()) v = default_;
  for (std::size_t i = 1; i < parts_.size(); ++i) {
    v = get_item(v, parts_[i]);
    if (has_default_ && v.is_undefined()) v = default_;
  }
  return v;
}

std::vector<AttrGetter> AttrGetter::multi(const Value& attribute) {
  std::vector<AttrGetter> out;
  if (attribute.is_none() || attribute.is_undefined()) return out;
  if (!attribute.is_str()) {
    out.emplace_back(attribute, Value());
    return out;
  }
  const std::string& s = attribute.as_str();
  std::size_t i = 0;
  while (true) {
    std::size_t p = s.find(',', i);
    out.emplace_back(Value(s.substr(i, p == std::string::npos ? std::string::npos : p - i)), Value());
    if (p == std::string::npos) break;
    i = p + 1;
  }
  return out;
}

namespace {
constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHigh = 0x8080808080808080ull;

// 0x80 in each byte of `w` (all bytes < 0x80) that is 'A'..'Z': no byte carries into the next.
std::uint64_t upper_bytes(std::uint64_t w) {
  return ((w + kOnes * (0x80 - 'A')) ^ (w + kOnes * (0x80 - 'Z' - 1))) & kHigh;
}

std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
}  // namespace

Value lower_str(const Value& v) {
  // Column names and the like: short, ASCII, often lower-case already. Eight bytes at a time
  // find whether anything changes; an unchanged string is returned as it is (strings are
  // immutable), a changed ASCII one is lowered in one copy; anything else takes the Unicode path.
  // From 8 bytes on, the last word overlaps the one before it instead of a byte loop for the tail
  // (looking at or lowering a byte twice changes nothing).
  const std::string& s = v.as_str();
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t high = 0, upper = 0;
  if (n >= 8) {
    for (std::size_t i = 0;; i += 8) {
      if (i > n - 8) i = n - 8;
      std::uint64_t w = load8(p + i);
      high |= w;
      upper |= upper_bytes(w & ~kHigh);
      if (i == n - 8) break;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      auto c = static_cast<unsigned char>(p[i]);
      high |= c;
      upper |= (c >= 'A' && c <= 'Z') ? 1 : 0;
    }
  }
  if (high & kHigh) {
    std::string out = ascii_lower(s);
    if (out == s) return v;
    return v.is_markup() ? Value::markup(std::move(out)) : Value(std::move(out));
  }
  if (!upper) return v;
  std::string out(s);
  char* o = out.data();
  if (n >= 8) {
    for (std::size_t i = 0;; i += 8) {
      if (i > n - 8) i = n - 8;
      std::uint64_t w = load8(o + i);
      w |= upper_bytes(w) >> 2;  // +0x20 on capitals, whose 0x20 bit is clear
      std::memcpy(o + i, &w, 8);
      if (i == n - 8) break;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i)
      if (o[i] >= 'A' && o[i] <= 'Z') o[i] = static_cast<char>(o[i] + 32);
  }
  return v.is_markup() ? Value::markup(std::move(out)) : Value(std::move(out));
}

Value sort_key(const Value& v, bool case_sensitive) {
  // Keys are only compared, so an unchanged string is the key itself.
  if (!case_sensitive && v.is_str()) return lower_str(v);
  return v;
}

namespace {
std::string strip_ws(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Removes single underscores between digits; false when underscores are misplaced.
bool strip_underscores(const std::string& s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (i == 0 || i + 1 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i - 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 1])))
        return false;
      continue;
    }
    out += s[i];
  }
  return true;
}
}  // namespace

bool parse_py_float(const std::string& raw, double& out) {
  std::string s;
  if (!strip_underscores(strip_ws(raw), s) || s.empty()) return false;
  std::string lower = ascii_lower(s);
  std::string body = lower;
  double sign = 1;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    if (body[0] == '-') sign = -1;
    body = body.substr(1);
  }
  if (body == "inf" || body == "infinity") {
    out = sign * HUGE_VAL;
    return true;
  }
  if (body == "nan") {
    out = std::nan("");
    return true;
  }
  for (char c : body)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' || c == '-'))
      return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

bool parse_py_int(const std::string& raw, int base, std::int64_t& out) {
  std::string s = strip_ws(raw);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  if (s.size() > 2 && s[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (pb && (base == pb || base == 0)) {
      base = pb;
      s = s.substr(2);
      if (!s.empty() && s[0] == '_') s = s.substr(1);
    }
  }
  if (base == 0) base = 10;
  if (base < 2 || base > 36) return false;
  std::string clean;
  if (!strip_underscores(s, clean) || clean.empty()) return false;
  std::int64_t v = 0;
  for (char c : clean) {
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c))
                ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                : 99;
    if (d >= base) return false;
    if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v)) return false;
  }
  out = neg ? -v : v;
  return true;
}

double py_round(double x, std::int64_t nd) {
  if (std::isnan(x) || std::isinf(x)) return x;
  if (nd >= 0) {
    if (nd > 300) return x;
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(nd), x);
    return std::strtod(buf, nullptr);
  }
  if (nd < -308) return 0.0 * x;
  double scale = std::pow(10.0, static_cast<double>(-nd));
  double y = x / scale;
  double r = std::nearbyint(y);  // round half to even in the default rounding mode
  return r * scale;
}

std::string url_quote(const std::string& s, bool for_qs) {
  std::string out;
  static const char* hex = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool safe = std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (!for_qs && c == '/');
    if (safe) {
      out += ch;
    } else if (for_qs && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> py_splitlines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0, start = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c == '\r')
      n = (i + 1 < s.size() && s[i + 1] == '\n') ? 2 : 1;
    else if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e)
      n = 1;
    else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85)
      n = 2;
    else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9))
      n = 3;
    if (n) {
      out.push_back(s.substr(start, i - start));
      i += n;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

std::vector<std::string> py_split_ws(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0, n;
  while (i < s.size()) {
    while (i < s.size() && is_py_space(s, i, &n)) i += n;
    if (i >= s.size()) break;
    std::size_t j = i;
    while (j < s.size() && !is_py_space(s, j, &n)) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string> text_wrap(const std::string& line, std::int64_t width, bool break_long) {
  // textwrap.wrap(expand_tabs=False, replace_whitespace=False, drop_whitespace=True), without
  // hyphen splitting. Lengths count code points.
  std::vector<std::string> chunks;
  for (std::size_t i = 0; i < line.size();) {
    bool ws = std::isspace(static_cast<unsigned char>(line[i])) != 0;
    std::size_t j = i;
    while (j < line.size() && (std::isspace(static_cast<unsigned char>(line[j])) != 0) == ws) ++j;
    chunks.push_back(line.substr(i, j - i));
    i = j;
  }
  std::reverse(chunks.begin(), chunks.end());
  auto is_blank = [](const std::string& c) {
    return !c.empty() && std::isspace(static_cast<unsigned char>(c[0])) != 0;
  };
  auto cut = [](const std::string& s, std::int64_t n) {
    auto cs = utf8_chars(s);
    std::string a, b;
    for (std::size_t k = 0; k < cs.size(); ++k) (static_cast<std::int64_t>(k) < n ? a : b) += cs[k];
    return std::make_pair(a, b);
  };
  std::vector<std::string> lines;
  while (!chunks.empty()) {
    std::vector<std::string> cur;
    std::int64_t len = 0;
    if (!lines.empty() && is_blank(chunks.back())) chunks.pop_back();
    while (!chunks.empty()) {
      std::int64_t l = utf8_length(chunks.back());
      if (len + l <= width) {
        cur.push_back(chunks.back());
        chunks.pop_back();
        len += l;
      } else {
        break;
      }
    }
    if (!chunks.empty() && utf8_length(chunks.back()) > width) {
      if (break_long) {
        std::int64_t space = std::max<std::int64_t>(width - len, 1);
        auto [a, b] = cut(chunks.back(), space);
        cur.push_back(a);
        chunks.back() = b;
      } else if (cur.empty()) {
        cur.push_back(chunks.back());
        chunks.pop_back();
      }
    }
    if (!cur.empty() && is_blank(cur.back())) cur.pop_back();
    if (!cur.empty()) {
      std::string joined;
      for (auto& c : cur) joined += c;
      lines.push_back(joined);
    }
  }
  return lines;
}

std::string unescape_html(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      std::size_t e = s.find(';', i);
      if (e != std::string::npos && e - i < 10) {
        std::string ent = s.substr(i + 1, e - i - 1);
        std::string rep;
        if (ent == "amp")
          rep = "&";
        else if (ent == "lt")
          rep = "<";
        else if (ent == "gt")
          rep = ">";
        else if (ent == "quot")
          rep = "\"";
        else if (ent == "apos")
          rep = "'";
        else if (ent.size() > 1 && ent[0] == '#') {
          long cp = ent[1] == 'x' ? std::strtol(ent.c_str() + 2, nullptr, 16)
                                  : std::strtol(ent.c_str() + 1, nullptr, 10);
          if (cp > 0 && cp < 0x80) rep = std::string(1, static_cast<char>(cp));
        }
        if (!rep.empty()) {
          out += rep;
          i = e;
          continue;
        }
      }
    }
    out += s[i];
  }
  return out;
}

bool call_test_by_name(Interp& in, const std::string& name, const Value& v, CallArgs& args) {
  if (TestFn fn = find_builtin_test(name)) return fn(in, v, args);
  if (const NativeFunction* custom = in.env().find_test(name)) {
    CallArgs b = args;
    b.args.insert(b.args.begin(), v);
    return (*custom)(b).truthy();
  }
  throw TemplateError(ErrorKind::kRuntime, "No test named '" + name + "'.");
}

}  // namespace pond::jinja
