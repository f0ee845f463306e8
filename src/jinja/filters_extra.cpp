// The filters with more machinery than one function: random and urlize.
#include <regex>

#include "jinja/filters_util.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

Value f_random(Interp& in, const Value& v, CallArgs&) {
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No random item, sequence was empty.");
  return items[in.random() % items.size()];
}

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::size_t count_of(const std::string& s, const std::string& sub) {
  std::size_t n = 0;
  for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
  return n;
}

}  // namespace

// jinja2.utils.urlize on already-escaped text.
Value f_urlize(Interp&, const Value& v, CallArgs& a) {
  Value limit_v = a.get(0, "trim_url_limit", Value::none());
  bool nofollow = a.get(1, "nofollow", Value(false)).truthy();
  Value target = a.get(2, "target", Value::none());
  Value rel_v = a.get(3, "rel", Value::none());
  std::vector<std::string> rel_parts = py_split_ws(rel_v.is_none() ? "" : rel_v.str());
  rel_parts.push_back("noopener");
  if (nofollow) rel_parts.push_back("nofollow");
  std::sort(rel_parts.begin(), rel_parts.end());
  rel_parts.erase(std::unique(rel_parts.begin(), rel_parts.end()), rel_parts.end());
  std::string rel;
  for (const auto& r : rel_parts) rel += (rel.empty() ? "" : " ") + r;
  std::string rel_attr = " rel=\"" + call_escape(rel) + "\"";
  std::string target_attr = target.is_none() ? "" : " target=\"" + call_escape(target.str()) + "\"";
  auto trim_url = [&](const std::string& x) {
    if (limit_v.is_none()) return x;
    auto limit = static_cast<std::size_t>(std::max<std::int64_t>(0, limit_v.as_int()));
    auto chars = utf8_chars(x);
    if (chars.size() <= limit) return x;
    std::string out;
    for (std::size_t i = 0; i < limit; ++i) out += chars[i];
    return out + (chars.size() >= limit + 3 ? "..." : "");
  };
  static const std::regex http_re(
      R"(^((https?://|www\.)(([\w%-]+\.)+)?([a-z]{2,63}|xn--[\w%]{2,59})|([\w%-]{2,63}\.)+(com|net|int|edu|gov|org|info|mil)|(https?://)(localhost|(\d{1,3}\.){3}\d{1,3}))(?::\d+)?(?:[/?#]\S*)?$)",
      std::regex::icase);
  static const std::regex email_re(R"(^\S+@\w[\w.-]*\.\w+$)");
  std::string text = v.is_markup() ? v.as_str() : call_escape(v.str());
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    bool ws = std::isspace(static_cast<unsigned char>(text[i])) != 0;
    while (j < text.size() && (std::isspace(static_cast<unsigned char>(text[j])) != 0) == ws) ++j;
    std::string word = text.substr(i, j - i);
    i = j;
    if (ws) {
      out += word;
      continue;
    }
    std::string head, middle = word, tail;
    while (true) {
      if (!middle.empty() && (middle[0] == '(' || middle[0] == '<')) {
        head += middle[0];
        middle.erase(0, 1);
      } else if (middle.rfind("&lt;", 0) == 0) {
        head += "&lt;";
        middle.erase(0, 4);
      } else {
        break;
      }
    }
    while (true) {
      if (!middle.empty() && std::string_view(")>.,\n").find(middle.back()) != std::string_view::npos) {
        tail.insert(tail.begin(), middle.back());
        middle.pop_back();
      } else if (ends_with(middle, "&gt;")) {
        tail.insert(0, "&gt;");
        middle.resize(middle.size() - 4);
      } else {
        break;
      }
    }
    for (auto [open, close] : {std::pair<std::string, std::string>{"(", ")"}, {"<", ">"}, {"&lt;", "&gt;"}}) {
      std::size_t opens = count_of(middle, open);
      if (opens <= count_of(middle, close)) continue;
      std::size_t times = std::min(opens, count_of(tail, close));
      for (std::size_t k = 0; k < times; ++k) {
        std::size_t end = tail.find(close) + close.size();
        middle += tail.substr(0, end);
        tail.erase(0, end);
      }
    }
    // Every form the URL pattern accepts has a '.' or starts with "http": most words are not
    // worth a regex match.
    bool may_be_url = middle.find('.') != std::string::npos ||
                      (middle.size() >= 4 && ascii_lower(std::string_view(middle).substr(0, 4)) == "http");
    if (may_be_url && std::regex_match(middle, http_re)) {
      std::string href = (middle.rfind("https://", 0) == 0 || middle.rfind("http://", 0) == 0)
                             ? middle
                             : "https://" + middle;
      middle = "<a href=\"" + href + "\"" + rel_attr + target_attr + ">" + trim_url(middle) + "</a>";
    } else if (middle.rfind("mailto:", 0) == 0 && std::regex_match(middle.substr(7), email_re)) {
      middle = "<a href=\"" + middle + "\">" + middle.substr(7) + "</a>";
    } else if (middle.find('@') != std::string::npos && middle.rfind("www.", 0) != 0 &&
               middle.find(':') == std::string::npos && std::regex_match(middle, email_re)) {
      middle = "<a href=\"mailto:" + middle + "\">" + middle + "</a>";
    }
    out += head + middle + tail;
  }
  return Value::markup(out);
}

}  // namespace pond::jinja
