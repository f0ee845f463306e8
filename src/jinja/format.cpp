// Python string formatting: printf-style `%`, str.format and format(value, spec).
#include <charconv>
#include <cmath>
#include <cstdio>

#include "jinja/error.hpp"
#include "jinja/filters_util.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {
// A field index of decimal digits; Python refuses ones too long for its index type (found by fuzzing).
std::int64_t field_index(std::string_view digits) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    throw TemplateError(ErrorKind::kValue, "Too many decimal digits in format string");
  }
  return n;
}
}  // namespace

namespace {

struct Spec {
  std::string fill = " ";
  char align = 0;  // < > ^ =
  char sign = '-';
  bool alt = false;
  bool zero = false;
  std::int64_t width = -1;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

Spec parse_spec(std::string_view s) {
  Spec sp;
  std::size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  auto chars = utf8_chars(s);
  if (chars.size() >= 2 && chars[1].size() == 1 && is_align(chars[1][0])) {
    sp.fill = std::string(chars[0]);
    sp.align = chars[1][0];
    i = chars[0].size() + 1;
  } else if (!s.empty() && is_align(s[0])) {
    sp.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
  if (i < s.size() && s[i] == '#') {
    sp.alt = true;
    ++i;
  }
  if (i < s.size() && s[i] == '0') {
    sp.zero = true;
    ++i;
  }
  if (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    sp.width = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      sp.width = sp.width * 10 + (s[i++] - '0');
      if (sp.width > (1 << 24)) throw TemplateError(ErrorKind::kLimit, "format width exceeds the size limit");
    }
  }
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) sp.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    sp.precision = 0;
    if (i >= s.size() || s[i] < '0' || s[i] > '9')
      throw TemplateError(ErrorKind::kValue, "Format specifier missing precision");
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      sp.precision = sp.precision * 10 + (s[i++] - '0');
      if (sp.precision > 1000) throw TemplateError(ErrorKind::kLimit, "format precision exceeds the limit");
    }
  }
  if (i < s.size()) sp.type = s[i++];
  if (i != s.size()) throw TemplateError(ErrorKind::kValue, "Invalid format specifier");
  return sp;
}

std::string group_digits(const std::string& digits, char sep) {
  std::string out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (n && n % 3 == 0) out += sep;
    out += *it;
    ++n;
  }
  return std::string(out.rbegin(), out.rend());
}

std::string apply_align(std::string sign, std::string body, const Spec& sp, char default_align) {
  char align = sp.align ? sp.align : (sp.zero ? '=' : default_align);
  std::string fill = sp.align ? sp.fill : (sp.zero ? "0" : sp.fill);
  std::int64_t len = utf8_length(sign) + utf8_length(body);
  if (sp.width <= len) return sign + body;
  std::int64_t total = sp.width - len;
  std::string pad_l, pad_r;
  std::int64_t left = align == '<' ? 0 : align == '^' ? total / 2 : total;
  for (std::int64_t k = 0; k < left; ++k) pad_l += fill;
  for (std::int64_t k = 0; k < total - left; ++k) pad_r += fill;
  if (align == '=') return sign + pad_l + body + pad_r;
  return pad_l + sign + body + pad_r;
}

std::string c_format(const char* fmt, int prec, double d) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, prec, d);
  return buf;
}

// Python's %e-style exponents have at least two digits; C agrees. Python's 'g' strips zeros; C too.
std::string format_float(double d, const Spec& sp) {
  char type = sp.type;
  std::string body;
  if (std::isnan(d) || std::isinf(d)) {
    body = std::isnan(d) ? "nan" : "inf";
    if (type == 'F' || type == 'E' || type == 'G') body = ascii_upper(body);
  } else if (type == 0 && sp.precision < 0) {
    body = float_repr(std::fabs(d));
  } else {
    int prec = sp.precision < 0 ? 6 : sp.precision;
    double a = std::fabs(d);
    switch (type) {
      case 'f':
      case 'F':
        body = c_format("%.*f", prec, a);
        break;
      case 'e':
        body = c_format("%.*e", prec, a);
        break;
      case 'E':
        body = c_format("%.*E", prec, a);
        break;
      case '%':
        body = c_format("%.*f", prec, a * 100) + "%";
        break;
      case 'G':
        body = c_format(sp.alt ? "%#.*G" : "%.*G", prec == 0 ? 1 : prec, a);
        break;
      case 0:
      default: {
        body = c_format(sp.alt ? "%#.*g" : "%.*g", prec == 0 ? 1 : prec, a);
        if (type == 0 && body.find_first_of(".e") == std::string::npos &&
            body.find("inf") == std::string::npos)
          body += ".0";
        break;
      }
    }
  }
  if (sp.grouping) {
    std::size_t end = body.find_first_of(".e%");
    std::string ip = body.substr(0, end);
    body = group_digits(ip, sp.grouping) + (end == std::string::npos ? "" : body.substr(end));
  }
  std::string sign = std::signbit(d) && !std::isnan(d) ? "-"
                     : sp.sign == '+'                  ? "+"
                     : sp.sign == ' '                  ? " "
                                                       : "";
  return apply_align(sign, body, sp, '>');
}

std::string format_int(std::int64_t v, const Spec& sp) {
  std::uint64_t a = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  std::string body;
  char type = sp.type ? sp.type : 'd';
  switch (type) {
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      int base = type == 'o' ? 8 : type == 'b' ? 2 : 16;
      const char* digits = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      if (a == 0) body = "0";
      while (a) {
        body.insert(body.begin(), digits[a % static_cast<unsigned>(base)]);
        a /= static_cast<unsigned>(base);
      }
      if (sp.alt) body = std::string("0") + (type == 'o' ? 'o' : type == 'b' ? 'b' : type) + body;
      break;
    }
    case 'c': {
      std::string s;
      auto cp = static_cast<std::uint32_t>(v);
      if (cp < 0x80)
        s += static_cast<char>(cp);
      else
        s = "?";
      return apply_align("", s, sp, '<');
    }
    case 'd':
    case 'n':
      body = std::to_string(a);
      if (sp.grouping) body = group_digits(body, sp.grouping);
      break;
    default:
      throw TemplateError(ErrorKind::kValue,
                          std::string("Unknown format code '") + type + "' for object of type 'int'");
  }
  std::string sign = v < 0 ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
  return apply_align(sign, body, sp, '>');
}

}  // namespace

std::string format_value(const Value& v, std::string_view spec_text) {
  if (spec_text.empty()) return v.str();
  Spec sp = parse_spec(spec_text);
  if (v.is_int() || v.is_bool()) {
    if (sp.type && std::string_view("eEfFgG%").find(sp.type) != std::string_view::npos)
      return format_float(v.as_float(), sp);
    if (v.is_bool() && sp.type == 0) return apply_align("", v.str(), sp, '<');
    return format_int(v.as_int(), sp);
  }
  if (v.is_float()) {
    if (sp.type && std::string_view("eEfFgG%").find(sp.type) == std::string_view::npos)
      throw TemplateError(ErrorKind::kValue,
                          std::string("Unknown format code '") + sp.type + "' for object of type 'float'");
    return format_float(v.as_float(), sp);
  }
  if (v.is_str()) {
    if (sp.type && sp.type != 's')
      throw TemplateError(ErrorKind::kValue,
                          std::string("Unknown format code '") + sp.type + "' for object of type 'str'");
    if (sp.sign != '-') throw TemplateError(ErrorKind::kValue, "Sign not allowed in string format specifier");
    std::string s = v.as_str();
    if (sp.precision >= 0) {
      auto chars = utf8_chars(s);
      if (chars.size() > static_cast<std::size_t>(sp.precision)) {
        std::string t;
        for (int k = 0; k < sp.precision; ++k) t += chars[static_cast<std::size_t>(k)];
        s = t;
      }
    }
    return apply_align("", s, sp, '<');
  }
  if (v.is_undefined()) return apply_align("", "", sp, '<');
  throw TemplateError(ErrorKind::kType,
                      "unsupported format string passed to " + v.type_name() + ".__format__");
}

std::string str_format(std::string_view fmt, const CallArgs& args) {
  std::string out;
  std::size_t auto_idx = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw TemplateError(ErrorKind::kValue, "Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    int depth = 1;
    while (j < fmt.size() && depth > 0) {
      if (fmt[j] == '{') ++depth;
      if (fmt[j] == '}') --depth;
      if (depth > 0) ++j;
    }
    if (j >= fmt.size()) throw TemplateError(ErrorKind::kValue, "Single '{' encountered in format string");
    std::string_view field = fmt.substr(i + 1, j - i - 1);
    i = j;
    std::string_view spec, conv;
    std::string nested_spec;
    if (auto p = field.find(':'); p != std::string_view::npos) {
      spec = field.substr(p + 1);
      field = field.substr(0, p);
    }
    if (auto p = field.find('!'); p != std::string_view::npos) {
      conv = field.substr(p + 1);
      field = field.substr(0, p);
    }
    std::size_t k = 0;
    while (k < field.size() && field[k] != '.' && field[k] != '[') ++k;
    std::string_view head = field.substr(0, k);
    Value v;
    if (head.empty()) {
      if (auto_idx >= args.args.size())
        throw TemplateError(ErrorKind::kIndex, "Replacement index " + std::to_string(auto_idx) +
                                                   " out of range for positional args tuple");
      v = args.args[auto_idx++];
    } else if (head[0] >= '0' && head[0] <= '9') {
      auto n = static_cast<std::size_t>(field_index(head));
      if (n >= args.args.size())
        throw TemplateError(ErrorKind::kIndex, "Replacement index " + std::to_string(n) +
                                                   " out of range for positional args tuple");
      v = args.args[n];
    } else {
      const Value* kv = args.kwarg(head);
      if (!kv) throw TemplateError(ErrorKind::kKey, "'" + std::string(head) + "'");
      v = *kv;
    }
    while (k < field.size()) {
      if (field[k] == '.') {
        std::size_t e = k + 1;
        while (e < field.size() && field[e] != '.' && field[e] != '[') ++e;
        v = get_attr(v, field.substr(k + 1, e - k - 1));
        k = e;
      } else {
        std::size_t e = field.find(']', k);
        if (e == std::string_view::npos)
          throw TemplateError(ErrorKind::kValue, "Missing ']' in format string");
        std::string key(field.substr(k + 1, e - k - 1));
        bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
        v = get_item(v, numeric ? Value(field_index(key)) : Value(key));
        k = e + 1;
      }
    }
    if (spec.find('{') != std::string_view::npos) {
      nested_spec = str_format(spec, args);  // "{:>{w}}": fields inside the spec
      spec = nested_spec;
    }
    if (conv == "r")
      v = Value(v.repr());
    else if (conv == "s")
      v = Value(v.str());
    out += format_value(v, spec);
  }
  return out;
}

Value percent_format(const Value& fmt_v, const Value& argv) {
  if (argv.is_tuple()) return percent_format_args(fmt_v.as_str(), argv.items(), nullptr);
  if (argv.is_dict()) return percent_format_args(fmt_v.as_str(), {}, &argv);
  return percent_format_args(fmt_v.as_str(), std::span<const Value>(&argv, 1), nullptr);
}

Value percent_format_args(std::string_view fmt, std::span<const Value> args, const Value* mapping) {
  std::size_t next = 0;
  std::string out;
  out.reserve(fmt.size() + 16);
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      // Literal text up to the next conversion, at once.
      std::size_t e = fmt.find('%', i);
      if (e == std::string_view::npos) e = fmt.size();
      out.append(fmt.substr(i, e - i));
      i = e - 1;
      continue;
    }
    if (++i >= fmt.size()) throw TemplateError(ErrorKind::kValue, "incomplete format");
    Value v;
    bool have = false;
    if (fmt[i] == '(') {
      std::size_t e = fmt.find(')', i);
      if (e == std::string::npos) throw TemplateError(ErrorKind::kValue, "incomplete format key");
      std::string key(fmt.substr(i + 1, e - i - 1));
      if (!mapping) fail_type("format requires a mapping");
      const Value* f = mapping->as_dict().find(Value(key));
      if (!f) throw TemplateError(ErrorKind::kKey, "'" + key + "'");
      v = *f;
      have = true;
      i = e + 1;
    }
    Spec sp;
    sp.align = '>';
    for (; i < fmt.size(); ++i) {
      char f = fmt[i];
      if (f == '-')
        sp.align = '<';
      else if (f == '+')
        sp.sign = '+';
      else if (f == ' ') {
        if (sp.sign != '+') sp.sign = ' ';
      } else if (f == '#')
        sp.alt = true;
      else if (f == '0')
        sp.zero = true;
      else
        break;
    }
    while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
      sp.width = (sp.width < 0 ? 0 : sp.width) * 10 + (fmt[i++] - '0');
      if (sp.width > (1 << 24)) throw TemplateError(ErrorKind::kLimit, "format width exceeds the size limit");
    }
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      sp.precision = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        sp.precision = sp.precision * 10 + (fmt[i++] - '0');
        if (sp.precision > 1000) throw TemplateError(ErrorKind::kLimit, "format precision exceeds the limit");
      }
    }
    if (i >= fmt.size()) throw TemplateError(ErrorKind::kValue, "incomplete format");
    char type = fmt[i];
    if (type == '%') {
      out += '%';
      continue;
    }
    if (!have) {
      if (mapping) fail_type("format requires a mapping");
      if (next >= args.size()) fail_type("not enough arguments for format string");
      v = args[next++];
    }
    if (sp.zero && sp.align == '>') {
      sp.align = '=';
      sp.fill = "0";
    }
    switch (type) {
      case 's':
      case 'r':
      case 'a': {
        if (type == 's' && sp.width < 0 && sp.precision < 0) {  // plain %s: printed in place
          v.append_str(out);
          break;
        }
        std::string s = type == 's' ? v.str() : v.repr();
        if (sp.precision >= 0 && utf8_length(s) > sp.precision) {
          auto cs = utf8_chars(s);
          std::string t;
          for (int k = 0; k < sp.precision; ++k) t += cs[static_cast<std::size_t>(k)];
          s = t;
        }
        Spec ss = sp;
        ss.fill = " ";
        if (ss.align == '=') ss.align = '>';
        out += apply_align("", s, ss, '>');
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o':
      case 'c': {
        if (!v.is_number()) {
          if (v.is_undefined()) fail_undefined(v);
          fail_type(std::string("%") + type + " format: a real number is required, not " + v.type_name());
        }
        std::int64_t n = v.is_float() ? Value::float_to_int(v.as_float()) : v.as_int();
        if ((type == 'd' || type == 'i' || type == 'u') && sp.width < 0 && sp.precision < 0 &&
            sp.sign == '-') {
          char digits[24];  // plain %d
          out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
          break;
        }
        Spec is = sp;
        is.type = (type == 'i' || type == 'u') ? 'd' : type;
        if (sp.precision > 0 && is.type == 'd') {
          std::string digits = std::to_string(n < 0 ? -n : n);
          while (static_cast<int>(digits.size()) < sp.precision) digits.insert(digits.begin(), '0');
          out += apply_align(n < 0 ? "-"
                                   : (sp.sign == '+'   ? "+"
                                      : sp.sign == ' ' ? " "
                                                       : ""),
                             digits, sp, '>');
          break;
        }
        out += format_int(n, is);
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!v.is_number()) {
          if (v.is_undefined()) fail_undefined(v);
          fail_type("must be real number, not " + v.type_name());
        }
        Spec fs = sp;
        fs.type = type;
        if (fs.precision < 0) fs.precision = 6;
        if (type == 'g' || type == 'G') {
          std::string body = c_format(sp.alt ? "%#.*g" : "%.*g", fs.precision == 0 ? 1 : fs.precision,
                                      std::fabs(v.as_float()));
          if (type == 'G') body = ascii_upper(body);
          std::string sign = std::signbit(v.as_float()) ? "-"
                             : sp.sign == '+'           ? "+"
                             : sp.sign == ' '           ? " "
                                                        : "";
          out += apply_align(sign, body, sp, '>');
        } else {
          out += format_float(v.as_float(), fs);
        }
        break;
      }
      default:
        throw TemplateError(ErrorKind::kValue, std::string("unsupported format character '") + type + "'");
    }
  }
  if (!mapping && next < args.size()) fail_type("not all arguments converted during string formatting");
  return Value(std::move(out));
}

}  // namespace pond::jinja
