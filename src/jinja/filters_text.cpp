// Jinja2's builtin string filters (escape, indent, replace, title, truncate, wordwrap, ...).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "jinja/filters_builtin.hpp"
#include "jinja/filters_util.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

using Args = CallArgs;

namespace {

Value str_method_call(const Value& s, std::string_view m, Args a) {
  Value r;
  call_method(s, m, a, r);
  return r;
}

// String filters keep Markup marked (markupsafe's str methods return Markup).
Value keep_markup(const Value& in, Value out) {
  return in.is_markup() ? Value::markup(out.str()) : out;
}

// Whether '\n' is the only line break Python's str.splitlines() would see in `s`.
bool only_newline_breaks(std::string_view s) {
  for (char c : {'\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\xc2', '\xe2'})
    if (s.find(c) != std::string_view::npos) return false;
  return true;
}

std::size_t find_char(const std::string& s, char c) {
  const void* p = std::memchr(s.data(), c, s.size());
  return p ? static_cast<std::size_t>(static_cast<const char*>(p) - s.data()) : std::string::npos;
}

}  // namespace

Value f_capitalize(Interp&, const Value& v, Args&) {
  return keep_markup(v, str_method_call(Value(v.str()), "capitalize", {}));
}

Value f_lower(Interp& in, const Value& v, Args&) {
  if (!v.is_str()) return Value(ascii_lower(v.str()));
  if (v.is_markup()) return lower_str(v);
  // The same strings (column names) are lowered again and again in a render.
  StrMemo& memo = in.lower_memo();
  if (const Value* r = memo.find(v)) return *r;
  Value r = lower_str(v);
  memo.put(v, r);
  return r;
}

Value f_upper(Interp&, const Value& v, Args&) {
  Value out(ascii_upper(v.is_str() ? std::string_view(v.as_str()) : std::string_view(v.str())));
  return v.is_markup() ? Value::markup(out.as_str()) : out;
}

Value f_center(Interp&, const Value& v, Args& a) {
  Args b;
  b.args.push_back(a.get(0, "width", Value(std::int64_t{80})));
  return keep_markup(v, str_method_call(Value(v.str()), "center", b));
}

Value f_escape(Interp&, const Value& v, Args&) {
  if (v.is_markup()) return v;
  return Value::markup(call_escape(v.str()));
}

Value f_forceescape(Interp&, const Value& v, Args&) {
  return Value::markup(call_escape(v.str()));
}

Value f_format(Interp&, const Value& v, Args& a) {
  if (!a.args.empty() && !a.kwargs.empty())
    throw TemplateError(ErrorKind::kRuntime,
                        "can't handle positional and keyword arguments at the same time");
  std::string text = v.is_str() ? std::string() : v.str();
  std::string_view fmt = v.is_str() ? std::string_view(v.as_str()) : std::string_view(text);
  if (!a.kwargs.empty()) {
    Value d = Value::dict();
    for (const auto& [k, x] : a.kwargs) d.as_dict().set(Value(k), x);
    return percent_format_args(fmt, {}, &d);
  }
  if (v.is_markup()) {
    // Markup % args escapes the arguments and stays Markup.
    std::vector<Value> esc;
    for (const auto& x : a.args) esc.push_back(x.is_markup() ? x : Value::markup(call_escape(x.str())));
    return Value::markup(percent_format_args(fmt, esc, nullptr).as_str());
  }
  return percent_format_args(fmt, a.args, nullptr);
}

Value f_indent(Interp& interp, const Value& v, Args& a) {
  const Value* width_p = arg_at(a, 0, "width");
  bool first = arg_truthy(a, 1, "first", false);
  bool blank = arg_truthy(a, 2, "blank", false);
  std::string ind;
  if (width_p && width_p->is_str()) {
    ind = width_p->as_str();
  } else {
    if (width_p && !width_p->is_int() && !width_p->is_bool())
      fail_type("can't multiply sequence by non-int of type '" + width_p->type_name() + "'");
    std::int64_t w = width_p ? width_p->as_int() : 4;
    if (w > (1 << 20)) throw TemplateError(ErrorKind::kLimit, "indent width exceeds the limit");
    if (w > 0) ind.assign(static_cast<std::size_t>(w), ' ');
  }
  std::string text = v.is_str() ? std::string() : v.str();
  std::string_view in = v.is_str() ? std::string_view(v.as_str()) : std::string_view(text);
  std::string rv;
  if (only_newline_breaks(in)) {
    // Jinja2 splits `s + "\n"` with str.splitlines(); with '\n' as the only break that is
    // s.split('\n'), done here in one pass.
    // memchr rather than a byte loop: the input is often a whole captured block.
    auto next_newline = [&](std::size_t from) {
      const void* p = std::memchr(in.data() + from, '\n', in.size() - from);
      return p ? static_cast<std::size_t>(static_cast<const char*>(p) - in.data()) : in.size();
    };
    std::size_t lines = 0;
    for (std::size_t p = next_newline(0); p < in.size(); p = next_newline(p + 1)) ++lines;
    std::size_t max = interp.limits().max_output;
    if (!ind.empty() && (in.size() > max || lines + 1 > (max - in.size()) / ind.size()))
      throw TemplateError(ErrorKind::kLimit, "indent result exceeds the output size limit");
    // Written through a cursor into the largest size it can take, then cut to what was written.
    rv.resize(in.size() + (lines + 1) * ind.size());
    char* o = rv.data();
    auto put = [&o](std::string_view part) {
      if (!part.empty()) std::memcpy(o, part.data(), part.size());
      o += part.size();
    };
    if (first) put(ind);
    for (std::size_t start = 0;;) {
      std::size_t nl = next_newline(start);
      if (start && (blank || nl > start)) put(ind);
      put(in.substr(start, nl - start));
      if (nl == in.size()) break;
      *o++ = '\n';
      start = nl + 1;
    }
    rv.resize(static_cast<std::size_t>(o - rv.data()));
    return v.is_markup() ? Value::markup(std::move(rv)) : Value(std::move(rv));
  }
  std::string s(in);
  s += '\n';
  std::vector<std::string> lines = py_splitlines(s);
  if (blank) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + ind;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += ind;
      rv += lines[i];
    }
  }
  if (first) rv = ind + rv;
  return v.is_markup() ? Value::markup(rv) : Value(rv);
}

Value f_pprint(Interp&, const Value& v, Args&) {
  return Value(pformat(v));
}

Value f_replace(Interp& in, const Value& v, Args& a) {
  const Value* old_p = arg_at(a, 0, "old");
  const Value* new_p = arg_at(a, 1, "new");
  const Value* count_p = arg_at(a, 2, "count");
  if (old_p && new_p && old_p->is_str() && new_p->is_str() && (!count_p || count_p->is_none()) &&
      v.is_str() && !old_p->as_str().empty()) {
    // Common case without intermediate copies; usually the text holds no `old` at all.
    const std::string& s = v.as_str();
    const std::string& from = old_p->as_str();
    const std::string& to = new_p->as_str();
    // One character (quoting: `replace('"', '""')`) is a memchr, without find()'s general loop.
    std::size_t p = from.size() == 1 ? find_char(s, from[0]) : s.find(from);
    if (p == std::string::npos) return v.is_markup() ? Value(s) : v;
    std::string out;
    out.reserve(s.size() + 16);
    std::size_t i = 0;
    for (; p != std::string::npos; p = s.find(from, i)) {
      out.append(s, i, p - i);
      out += to;
      if (out.size() > in.limits().max_output)
        throw TemplateError(ErrorKind::kLimit, "replace result exceeds the output size limit");
      i = p + from.size();
    }
    out.append(s, i, std::string::npos);
    return Value(std::move(out));
  }
  Value old_v = old_p ? *old_p : Value(), new_v = new_p ? *new_p : Value();
  Value count = count_p ? *count_p : Value::none();
  Args b;
  b.args.push_back(Value(old_v.str()));
  b.args.push_back(Value(new_v.str()));
  if (!count.is_none()) b.args.push_back(count);
  return str_method_call(Value(v.str()), "replace", b);
}

Value f_safe(Interp&, const Value& v, Args&) {
  return v.is_markup() ? v : Value::markup(v.str());
}

Value f_string(Interp&, const Value& v, Args&) {
  return v.is_str() ? v : Value(v.str());
}

Value f_title(Interp&, const Value& v, Args&) {
  std::string s = v.str();
  std::string out;
  auto is_sep = [](char c) {
    return c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           c == '(' || c == '{' || c == '[' || c == '<';
  };
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    bool sep = is_sep(s[i]);
    while (j < s.size() && is_sep(s[j]) == sep) ++j;
    std::string part = s.substr(i, j - i);
    if (!sep) {
      part = py_case_words(part, false, false);
    }
    out += part;
    i = j;
  }
  return Value(std::move(out));
}

Value f_tojson(Interp&, const Value& v, Args& a) {
  const Value* indent = arg_at(a, 0, "indent");
  std::int64_t ind = !indent || indent->is_none() ? -1 : std::max<std::int64_t>(0, indent->as_int());
  if (ind > 4096) throw TemplateError(ErrorKind::kLimit, "tojson indent exceeds the limit");
  std::string s = to_json(v, ind);
  // Usually nothing needs the HTML-safe escapes.
  // (A plain loop: find_first_of would search the four characters once per byte.)
  if (std::none_of(s.begin(), s.end(), [](char c) { return c == '<' || c == '>' || c == '&' || c == '\''; }))
    return Value::markup(std::move(s));
  std::string out;
  out.reserve(s.size() + 32);
  for (char c : s) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '\'':
        out += "\\u0027";
        break;
      default:
        out += c;
    }
  }
  return Value::markup(std::move(out));
}

Value f_trim(Interp&, const Value& v, Args& a) {
  const Value* chars_p = arg_at(a, 0, "chars");
  if (v.is_str() && (!chars_p || chars_p->is_none())) {
    // str.strip() without a copy of the text when the ends are ASCII (else Unicode spaces count).
    const std::string& s = v.as_str();
    auto space = [](unsigned char c) {
      return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
    };
    std::size_t b = 0, e = s.size();
    while (b < e && space(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && space(static_cast<unsigned char>(s[e - 1]))) --e;
    if (b == e || (static_cast<unsigned char>(s[b]) < 0x80 && static_cast<unsigned char>(s[e - 1]) < 0x80)) {
      if (b == 0 && e == s.size()) return v;
      std::string out = s.substr(b, e - b);
      return v.is_markup() ? Value::markup(std::move(out)) : Value(std::move(out));
    }
  }
  Args b;
  Value chars = chars_p ? *chars_p : Value::none();
  if (!chars.is_none()) b.args.push_back(chars);
  return keep_markup(v, str_method_call(Value(v.str()), "strip", b));
}

Value f_truncate(Interp&, const Value& v, Args& a) {
  std::string text = v.is_str() ? std::string() : v.str();
  const std::string& s = v.is_str() ? v.as_str() : text;
  std::int64_t len = arg_int(a, 0, "length", 255);
  bool killwords = arg_truthy(a, 1, "killwords", false);
  const Value* end_p = arg_at(a, 2, "end");
  std::string end = end_p ? end_p->str() : std::string("...");
  std::int64_t leeway = arg_int(a, 3, "leeway", 5);
  std::int64_t end_len = utf8_length(end);
  if (len < end_len)
    throw TemplateError(ErrorKind::kRuntime,
                        "expected length >= " + std::to_string(end_len) + ", got " + std::to_string(len));
  if (leeway < 0)
    throw TemplateError(ErrorKind::kRuntime, "expected leeway >= 0, got " + std::to_string(leeway));
  // Code points as utf8_chars() steps over them, without building the list of them.
  auto step = [&](std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return i + n > s.size() ? std::size_t{1} : n;
  };
  std::int64_t chars = 0;
  if (is_ascii(s)) {
    chars = static_cast<std::int64_t>(s.size());
  } else {
    for (std::size_t i = 0; i < s.size(); i += step(i)) ++chars;
  }
  if (chars <= len + leeway) return v.is_str() && !v.is_markup() ? v : Value(s);
  std::size_t cut = 0;
  for (std::int64_t i = 0; i < len - end_len; ++i) cut += step(cut);
  std::string head = s.substr(0, cut);
  if (!killwords) {
    std::size_t p = head.rfind(' ');
    if (p != std::string::npos) head.resize(p);
  }
  head += end;
  return Value(std::move(head));
}

Value f_urlencode(Interp&, const Value& v, Args&) {
  if (v.is_str() || !(v.is_sequence_like() || v.is_dict())) return Value(url_quote(v.str(), false));
  std::string out;
  std::vector<Value> pairs = v.is_dict() ? std::vector<Value>() : iterate(v);
  if (v.is_dict())
    for (const auto& [k, x] : v.as_dict().entries()) pairs.push_back(Value::tuple({k, x}));
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    auto kv = iterate(pairs[i]);
    if (kv.size() != 2) throw TemplateError(ErrorKind::kValue, "too many values to unpack (expected 2)");
    if (i) out += "&";
    out += url_quote(kv[0].str(), true) + "=" + url_quote(kv[1].str(), true);
  }
  return Value(std::move(out));
}

Value f_wordcount(Interp&, const Value& v, Args&) {
  std::string s = v.str();
  std::int64_t n = 0;
  bool in_word = false;
  for (std::string_view ch : utf8_chars(s)) {
    char c = ch[0];
    bool w;
    if (ch.size() == 1) {
      w = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    } else {
      // \w outside ASCII: letters and digits, not the punctuation and symbol blocks
      std::uint32_t cp = static_cast<unsigned char>(c) & (0xFF >> (ch.size() + 1));
      for (std::size_t k = 1; k < ch.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(ch[k]) & 0x3F);
      w = !((cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
            (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F));
    }
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

Value f_wordwrap(Interp&, const Value& v, Args& a) {
  std::int64_t width = a.get(0, "width", Value(std::int64_t{79})).as_int();
  bool break_long = a.get(1, "break_long_words", Value(true)).truthy();
  Value wrap = a.get(2, "wrapstring", Value::none());
  std::string sep = wrap.is_none() ? "\n" : wrap.str();
  if (width <= 0)
    throw TemplateError(ErrorKind::kValue, "invalid width " + std::to_string(width) + " (must be > 0)");
  std::string out;
  auto lines = py_splitlines(v.str());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += sep;
    auto wrapped = text_wrap(lines[i], width, break_long);
    for (std::size_t j = 0; j < wrapped.size(); ++j) {
      if (j) out += sep;
      out += wrapped[j];
    }
  }
  return Value(std::move(out));
}

Value f_xmlattr(Interp&, const Value& v, Args& a) {
  bool autospace = a.get(0, "autospace", Value(true)).truthy();
  if (!v.is_dict()) fail_type("xmlattr requires a mapping");
  std::string rv;
  for (const auto& [k, x] : v.as_dict().entries()) {
    if (x.is_none() || x.is_undefined()) continue;
    std::string key = k.str();
    for (char c : key)
      if (c == ' ' || c == '/' || c == '>' || c == '=' || c == '\t' || c == '\n' || c == '\f')
        throw TemplateError(ErrorKind::kValue, "Invalid character in attribute name: " + k.repr());
    if (!rv.empty()) rv += " ";
    rv += call_escape(key) + "=\"" + (x.is_markup() ? x.as_str() : call_escape(x.str())) + "\"";
  }
  if (autospace && !rv.empty()) rv = " " + rv;
  return Value::markup(rv);
}

Value f_striptags(Interp&, const Value& v, Args&) {
  std::string s = v.str(), out;
  bool in_tag = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 4, "<!--") == 0) {
      std::size_t e = s.find("-->", i);
      if (e == std::string::npos) break;
      i = e + 2;
      continue;
    }
    if (s[i] == '<' && s.find('>', i) != std::string::npos) in_tag = true;
    if (!in_tag) out += s[i];
    if (s[i] == '>') in_tag = false;
  }
  auto words = py_split_ws(out);
  std::string joined;
  for (std::size_t i = 0; i < words.size(); ++i) joined += (i ? " " : "") + words[i];
  return Value(unescape_html(joined));
}

Value f_filesizeformat(Interp&, const Value& v, Args& a) {
  bool binary = a.get(0, "binary", Value(false)).truthy();
  double bytes = v.is_str() ? std::strtod(v.as_str().c_str(), nullptr) : v.as_float();
  double base = binary ? 1024 : 1000;
  const char* prefixes[] = {binary ? "KiB" : "kB", binary ? "MiB" : "MB", binary ? "GiB" : "GB",
                            binary ? "TiB" : "TB", binary ? "PiB" : "PB", binary ? "EiB" : "EB",
                            binary ? "ZiB" : "ZB", binary ? "YiB" : "YB"};
  if (bytes == 1) return Value("1 Byte");
  if (bytes < base) return Value(std::to_string(static_cast<std::int64_t>(bytes)) + " Bytes");
  double unit = base;
  for (int i = 0; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    if (bytes < unit || i == 7) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f %s", base * bytes / unit, prefixes[i]);
      return Value(buf);
    }
  }
  return Value("");
}

}  // namespace pond::jinja
