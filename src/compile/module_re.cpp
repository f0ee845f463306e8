// modules.re: Python's re functions over std::regex. Python pattern syntax that ECMAScript
// lacks is translated: (?P<name>...) groups, (?P=name), leading inline flags (?imsx), \A, \Z,
// and the I/M/S flags (S by rewriting '.'); replacement templates use \1, \g<1>, \g<name>.
#include <map>
#include <memory>
#include <regex>

#include "compile/modules.hpp"
#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

constexpr std::int64_t kIgnoreCase = 2, kMultiline = 8, kDotAll = 16, kVerbose = 64;

[[noreturn]] void re_error(const std::string& message) {
  throw jinja::TemplateError(jinja::ErrorKind::kValue, message);
}

struct Pattern {
  std::string source;
  std::int64_t flags = 0;
  std::regex re;
  std::map<std::string, std::size_t> names;  // named group -> number
  std::size_t groups = 0;
};

std::shared_ptr<const Pattern> compile_pattern(const std::string& source, std::int64_t flags) {
  auto p = std::make_shared<Pattern>();
  p->source = source;
  std::string s = source;
  // Leading inline flags, e.g. (?i) or (?ms).
  while (s.size() >= 4 && s.compare(0, 2, "(?") == 0) {
    std::size_t close = s.find(')');
    std::string f = s.substr(2, close == std::string::npos ? 0 : close - 2);
    if (f.empty() || f.find_first_not_of("imsx") != std::string::npos) break;
    for (char c : f) flags |= c == 'i' ? kIgnoreCase : c == 'm' ? kMultiline : c == 's' ? kDotAll : kVerbose;
    s = s.substr(close + 1);
  }
  p->flags = flags;
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      if (n == 'A' && !in_class) {
        out += '^';
      } else if (n == 'Z' && !in_class) {
        out += '$';
      } else {
        out += '\\';
        out += n;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < s.size() && s[i + 1] == '^') out += s[++i];
      if (i + 1 < s.size() && s[i + 1] == ']') out += s[++i];
      continue;
    }
    if ((flags & kVerbose) && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) continue;
    if ((flags & kVerbose) && c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '.' && (flags & kDotAll)) {
      out += "[\\s\\S]";
      continue;
    }
    if (c == '(') {
      if (s.compare(i, 4, "(?P<") == 0) {
        std::size_t close = s.find('>', i);
        if (close == std::string::npos)
          re_error("bad regular expression '" + source + "': unterminated group name");
        p->names[s.substr(i + 4, close - i - 4)] = ++p->groups;
        out += '(';
        i = close;
        continue;
      }
      if (s.compare(i, 4, "(?P=") == 0) {
        std::size_t close = s.find(')', i);
        auto it = p->names.find(s.substr(i + 4, close == std::string::npos ? 0 : close - i - 4));
        if (close == std::string::npos || it == p->names.end())
          re_error("bad regular expression '" + source + "': unknown group name");
        out += "\\" + std::to_string(it->second);
        i = close;
        continue;
      }
      if (i + 1 >= s.size() || s[i + 1] != '?') ++p->groups;
    }
    out += c;
  }
  auto syntax = std::regex::ECMAScript;
  if (flags & kIgnoreCase) syntax |= std::regex::icase;
  if (flags & kMultiline) syntax |= std::regex::multiline;
  try {
    p->re = std::regex(out, syntax);
  } catch (const std::regex_error& e) {
    re_error("bad regular expression '" + source + "': " + e.what());
  }
  return p;
}

std::int64_t flags_arg(CallArgs& a, std::size_t pos) {
  Value v = a.get(pos, "flags");
  return v.is_int() ? v.as_int() : 0;
}

class MatchObject final : public jinja::NativeObject {
 public:
  MatchObject(std::shared_ptr<const Pattern> p, const std::smatch& m, std::shared_ptr<const std::string> text,
              std::size_t offset)
      : p_(std::move(p)), text_(std::move(text)) {
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (m[i].matched)
        spans_.emplace_back(
            static_cast<std::int64_t>(offset + static_cast<std::size_t>(m.position(i))),
            static_cast<std::int64_t>(offset + static_cast<std::size_t>(m.position(i) + m.length(i))));
      else
        spans_.emplace_back(-1, -1);
    }
  }
  Value group(const Value& key) const {
    std::size_t i = index(key);
    if (spans_[i].first < 0) return Value::none();
    return Value(text_->substr(static_cast<std::size_t>(spans_[i].first),
                               static_cast<std::size_t>(spans_[i].second - spans_[i].first)));
  }
  Value get_item(const Value& key) const override { return group(key); }
  Value get_attr(std::string_view name) const override {
    if (name == "string") return Value(*text_);
    if (name == "lastindex") {
      for (std::size_t i = spans_.size(); i-- > 1;)
        if (spans_[i].first >= 0) return Value(static_cast<std::int64_t>(i));
      return Value::none();
    }
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override {
    return name == "group" || name == "groups" || name == "groupdict" || name == "start" || name == "end" ||
           name == "span";
  }
  bool call_method(std::string_view name, CallArgs& a, Value& result) override {
    if (name == "group") {
      if (a.args.size() <= 1) {
        result = group(a.args.empty() ? Value(std::int64_t{0}) : a.args[0]);
      } else {
        std::vector<Value> out;
        for (const auto& k : a.args) out.push_back(group(k));
        result = Value::tuple(std::move(out));
      }
    } else if (name == "groups") {
      Value fallback = a.get(0, "default", Value::none());
      std::vector<Value> out;
      for (std::size_t i = 1; i < spans_.size(); ++i) {
        Value g = group(Value(static_cast<std::int64_t>(i)));
        out.push_back(g.is_none() ? fallback : g);
      }
      result = Value::tuple(std::move(out));
    } else if (name == "groupdict") {
      Value d = Value::dict();
      for (const auto& [k, i] : p_->names)
        d.as_dict().set(Value(k), group(Value(static_cast<std::int64_t>(i))));
      result = d;
    } else {
      std::size_t i = index(a.args.empty() ? Value(std::int64_t{0}) : a.args[0]);
      if (name == "start")
        result = Value(spans_[i].first);
      else if (name == "end")
        result = Value(spans_[i].second);
      else
        result = Value::tuple({Value(spans_[i].first), Value(spans_[i].second)});
    }
    return true;
  }
  std::string repr() const override {
    return "<re.Match object; span=(" + std::to_string(spans_[0].first) + ", " +
           std::to_string(spans_[0].second) + "), match='" + group(Value(std::int64_t{0})).str() + "'>";
  }
  std::string type_name() const override { return "Match"; }

 private:
  std::size_t index(const Value& key) const {
    if (key.is_str()) {
      auto it = p_->names.find(key.str());
      if (it == p_->names.end()) re_error("no such group: '" + key.str() + "'");
      return it->second;
    }
    std::int64_t i = key.as_int();
    if (i < 0 || static_cast<std::size_t>(i) >= spans_.size()) re_error("no such group");
    return static_cast<std::size_t>(i);
  }
  std::shared_ptr<const Pattern> p_;
  std::shared_ptr<const std::string> text_;
  std::vector<std::pair<std::int64_t, std::int64_t>> spans_;
};

enum class Anchor { kSearch, kMatch, kFull };

Value find(const std::shared_ptr<const Pattern>& p, const std::string& text, Anchor anchor) {
  auto owned = std::make_shared<const std::string>(text);
  std::smatch m;
  bool ok = anchor == Anchor::kFull ? std::regex_match(*owned, m, p->re)
            : anchor == Anchor::kMatch
                ? std::regex_search(*owned, m, p->re, std::regex_constants::match_continuous)
                : std::regex_search(*owned, m, p->re);
  return ok ? Value::object(std::make_shared<MatchObject>(p, m, owned, 0)) : Value::none();
}

// Python's replacement template: \1, \g<1>, \g<name>, \n, \\.
std::string expand(const Pattern& p, const std::string& repl, const std::smatch& m) {
  std::string out;
  auto group = [&](std::size_t i) {
    if (i >= m.size()) re_error("invalid group reference " + std::to_string(i));
    if (m[i].matched) out += m[i].str();
  };
  for (std::size_t i = 0; i < repl.size(); ++i) {
    if (repl[i] != '\\' || i + 1 >= repl.size()) {
      out += repl[i];
      continue;
    }
    char n = repl[++i];
    if (n >= '0' && n <= '9') {
      std::size_t g = static_cast<std::size_t>(n - '0');
      if (i + 1 < repl.size() && repl[i + 1] >= '0' && repl[i + 1] <= '9' &&
          g * 10 + (repl[i + 1] - '0') < m.size())
        g = g * 10 + static_cast<std::size_t>(repl[++i] - '0');
      group(g);
    } else if (n == 'g' && i + 1 < repl.size() && repl[i + 1] == '<') {
      std::size_t close = repl.find('>', i);
      if (close == std::string::npos) re_error("missing >, unterminated name");
      std::string name = repl.substr(i + 2, close - i - 2);
      if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
        group(static_cast<std::size_t>(std::stoul(name)));
      } else {
        auto it = p.names.find(name);
        if (it == p.names.end()) re_error("unknown group name '" + name + "'");
        group(it->second);
      }
      i = close;
    } else if (n == 'n') {
      out += '\n';
    } else if (n == 't') {
      out += '\t';
    } else if (n == '\\') {
      out += '\\';
    } else {
      out += '\\';
      out += n;
    }
  }
  return out;
}

Value sub(const std::shared_ptr<const Pattern>& p, const std::string& repl, const std::string& text,
          std::int64_t count) {
  std::string out;
  std::int64_t done = 0;
  auto last = text.cbegin();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), p->re); it != std::sregex_iterator(); ++it) {
    if (count > 0 && done >= count) break;
    const std::smatch& m = *it;
    out.append(last, m[0].first);
    out += expand(*p, repl, m);
    last = m[0].second;
    ++done;
  }
  out.append(last, text.cend());
  return Value(out);
}

Value findall(const std::shared_ptr<const Pattern>& p, const std::string& text) {
  std::vector<Value> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), p->re); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (m.size() == 1) {
      out.push_back(Value(m[0].str()));
    } else if (m.size() == 2) {
      out.push_back(Value(m[1].str()));
    } else {
      std::vector<Value> groups;
      for (std::size_t i = 1; i < m.size(); ++i) groups.push_back(Value(m[i].str()));
      out.push_back(Value::tuple(std::move(groups)));
    }
  }
  return Value::list(std::move(out));
}

Value split(const std::shared_ptr<const Pattern>& p, const std::string& text, std::int64_t maxsplit) {
  std::vector<Value> out;
  std::int64_t done = 0;
  auto last = text.cbegin();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), p->re); it != std::sregex_iterator(); ++it) {
    if (maxsplit > 0 && done >= maxsplit) break;
    const std::smatch& m = *it;
    out.push_back(Value(std::string(last, m[0].first)));
    for (std::size_t i = 1; i < m.size(); ++i)
      out.push_back(m[i].matched ? Value(m[i].str()) : Value::none());
    last = m[0].second;
    ++done;
  }
  out.push_back(Value(std::string(last, text.cend())));
  return Value::list(std::move(out));
}

// What re.compile returns: the module's functions bound to one pattern.
class PatternObject final : public jinja::NativeObject {
 public:
  explicit PatternObject(std::shared_ptr<const Pattern> p) : p_(std::move(p)) {}
  Value get_attr(std::string_view name) const override {
    if (name == "pattern") return Value(p_->source);
    if (name == "flags") return Value(p_->flags);
    if (name == "groups") return Value(static_cast<std::int64_t>(p_->groups));
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override {
    return name == "search" || name == "match" || name == "fullmatch" || name == "sub" || name == "findall" ||
           name == "split";
  }
  bool call_method(std::string_view name, CallArgs& a, Value& result) override {
    if (name == "sub") {
      result =
          sub(p_, a.get(0, "repl").str(), a.get(1, "string").str(), a.get(2, "count", Value(0)).as_int());
    } else if (name == "split") {
      result = split(p_, a.get(0, "string").str(), a.get(1, "maxsplit", Value(0)).as_int());
    } else if (name == "findall") {
      result = findall(p_, a.get(0, "string").str());
    } else {
      result = find(p_, a.get(0, "string").str(),
                    name == "search"  ? Anchor::kSearch
                    : name == "match" ? Anchor::kMatch
                                      : Anchor::kFull);
    }
    return true;
  }
  std::string repr() const override { return "re.compile('" + p_->source + "')"; }
  std::string type_name() const override { return "Pattern"; }

 private:
  std::shared_ptr<const Pattern> p_;
};

std::shared_ptr<const Pattern> pattern_arg(CallArgs& a, std::size_t flags_pos) {
  Value v = a.get(0, "pattern");
  if (v.is_object())
    if (auto* po = dynamic_cast<PatternObject*>(v.as_object())) {
      Value pat = po->get_attr("pattern");
      return compile_pattern(pat.str(), po->get_attr("flags").as_int());
    }
  return compile_pattern(v.str(), flags_arg(a, flags_pos));
}

}  // namespace

Value re_module() {
  auto finder = [](Anchor anchor) {
    return [anchor](CallArgs& a) { return find(pattern_arg(a, 2), a.get(1, "string").str(), anchor); };
  };
  Value i(kIgnoreCase), m(kMultiline), s(kDotAll), x(kVerbose);
  return module_bag({
      {"search", Value::function("search", finder(Anchor::kSearch))},
      {"match", Value::function("match", finder(Anchor::kMatch))},
      {"fullmatch", Value::function("fullmatch", finder(Anchor::kFull))},
      {"sub", Value::function("sub",
                              [](CallArgs& a) {
                                return sub(pattern_arg(a, 4), a.get(1, "repl").str(),
                                           a.get(2, "string").str(), a.get(3, "count", Value(0)).as_int());
                              })},
      {"findall",
       Value::function("findall",
                       [](CallArgs& a) { return findall(pattern_arg(a, 2), a.get(1, "string").str()); })},
      {"split", Value::function("split",
                                [](CallArgs& a) {
                                  return split(pattern_arg(a, 3), a.get(1, "string").str(),
                                               a.get(2, "maxsplit", Value(0)).as_int());
                                })},
      {"compile", Value::function("compile",
                                  [](CallArgs& a) {
                                    return Value::object(std::make_shared<PatternObject>(pattern_arg(a, 1)));
                                  })},
      {"escape", Value::function("escape",
                                 [](CallArgs& a) {
                                   std::string out;
                                   for (char c : a.get(0, "pattern").str()) {
                                     bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                                  (c >= '0' && c <= '9') || c == '_' ||
                                                  static_cast<unsigned char>(c) >= 0x80;
                                     if (!plain) out += '\\';
                                     out += c;
                                   }
                                   return Value(out);
                                 })},
      {"I", i},
      {"IGNORECASE", i},
      {"M", m},
      {"MULTILINE", m},
      {"S", s},
      {"DOTALL", s},
      {"X", x},
      {"VERBOSE", x},
  });
}

}  // namespace pond::compile
