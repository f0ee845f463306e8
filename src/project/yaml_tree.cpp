#include "project/yaml_tree.hpp"

#include <yaml.h>

#include <charconv>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/error.hpp"

namespace pond::project {

namespace {

// Deeper nesting is refused: the tree is destroyed and copied recursively.
constexpr std::size_t kMaxDepth = 500;
// Alias expansion copies nodes; a "billion laughs" document must not exhaust memory.
constexpr std::size_t kMaxAliasNodes = 1'000'000;

const char* kSyntaxHint =
    "check the indentation and that every 'key: value' pair has a space after the colon";

// Owns a libyaml parser; it stays in place (libyaml keeps pointers into it).
class Parser {
 public:
  explicit Parser(std::string_view text) {
    if (!yaml_parser_initialize(&p_)) throw std::bad_alloc();
    yaml_parser_set_input_string(&p_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  ~Parser() { yaml_parser_delete(&p_); }
  yaml_parser_t* get() { return &p_; }
  const yaml_parser_t& operator*() const { return p_; }

 private:
  yaml_parser_t p_{};
};

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (filled_) yaml_event_delete(&ev_);
  }
  yaml_event_t* fill() {
    if (filled_) yaml_event_delete(&ev_);
    filled_ = true;
    return &ev_;
  }
  const yaml_event_t& get() const { return ev_; }

 private:
  yaml_event_t ev_{};
  bool filled_ = false;
};

std::size_t count_nodes(const YamlNode& n) {
  std::size_t c = 1;
  for (const auto& child : n.children) c += count_nodes(child);
  return c;
}

bool is_plain_null(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// Applies `<<: *anchor` / `<<: [*a, *b]`: merged entries come after the map's own and never
// override them; earlier sources win over later ones (PyYAML's rule).
void apply_merge_keys(YamlNode& map) {
  bool any = false;
  for (std::size_t i = 0; i < map.size(); ++i) {
    const YamlNode& k = map.key(i);
    if (k.is_scalar() && !k.quoted && k.scalar == "<<") any = true;
  }
  if (!any) return;
  std::vector<YamlNode> own;
  std::vector<const YamlNode*> sources;
  for (std::size_t i = 0; i < map.size(); ++i) {
    const YamlNode& k = map.key(i);
    const YamlNode& v = map.value(i);
    if (k.is_scalar() && !k.quoted && k.scalar == "<<") {
      if (v.is_map()) sources.push_back(&v);
      if (v.is_sequence())
        for (const auto& item : v.children)
          if (item.is_map()) sources.push_back(&item);
      continue;
    }
    own.push_back(k);
    own.push_back(v);
  }
  auto has_key = [&](const std::string& name) {
    for (std::size_t i = 0; i < own.size(); i += 2)
      if (own[i].scalar == name) return true;
    return false;
  };
  for (const YamlNode* src : sources)
    for (std::size_t i = 0; i < src->size(); ++i)
      if (!has_key(src->key(i).scalar)) {
        own.push_back(src->key(i));
        own.push_back(src->value(i));
      }
  map.children = std::move(own);
}

class Builder {
 public:
  Builder(std::string_view text, const std::string& name) : name_(name), parser_(text) {}

  YamlNode build() {
    YamlNode root;
    root.kind = YamlNode::Kind::kNull;  // an empty document, as yaml-cpp
    Event ev;
    while (true) {
      if (!yaml_parser_parse(parser_.get(), ev.fill())) syntax_error();
      const yaml_event_t& e = ev.get();
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:  // only the first document, as yaml-cpp's Load
          return done_ ? std::move(result_) : root;
        case YAML_SCALAR_EVENT:
          scalar(e);
          break;
        case YAML_SEQUENCE_START_EVENT:
          open(e, YamlNode::Kind::kSequence, e.data.sequence_start.anchor);
          break;
        case YAML_MAPPING_START_EVENT:
          open(e, YamlNode::Kind::kMap, e.data.mapping_start.anchor);
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          close();
          break;
        case YAML_ALIAS_EVENT:
          alias(e);
          break;
        default:
          break;
      }
    }
  }

 private:
  struct Open {
    YamlNode* node;
    std::string anchor;
  };

  static void set_mark(YamlNode& n, const yaml_mark_t& m) {
    n.line = static_cast<int>(m.line) + 1;
    n.column = static_cast<int>(m.column) + 1;
  }

  // Places a finished or just-opened node into its parent (or as the document root).
  YamlNode& place(YamlNode node) {
    if (stack_.empty()) {
      result_ = std::move(node);
      done_ = true;
      return result_;
    }
    YamlNode& parent = *stack_.back().node;
    parent.children.push_back(std::move(node));
    return parent.children.back();
  }

  void remember(const unsigned char* anchor, const YamlNode& node) {
    if (anchor) anchors_[reinterpret_cast<const char*>(anchor)] = node;
  }

  void scalar(const yaml_event_t& e) {
    const auto& s = e.data.scalar;
    YamlNode n;
    set_mark(n, e.start_mark);
    std::string_view text(reinterpret_cast<const char*>(s.value), s.length);
    const char* tag = reinterpret_cast<const char*>(s.tag);
    bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
    if (!tag && plain && is_plain_null(text)) {
      n.kind = YamlNode::Kind::kNull;
    } else {
      n.kind = YamlNode::Kind::kScalar;
      n.scalar = std::string(text);
      // yaml-cpp's rule, kept: non-plain scalars carry the tag "!" (always strings), an
      // explicit tag other than "!" leaves the text to be typed as a plain one.
      n.quoted = tag ? std::strcmp(tag, "!") == 0 : !plain;
    }
    const YamlNode& placed = place(std::move(n));
    remember(s.anchor, placed);
  }

  void open(const yaml_event_t& e, YamlNode::Kind kind, const unsigned char* anchor) {
    if (stack_.size() >= kMaxDepth) {
      throw UserError(SourceLocation{name_, static_cast<int>(e.start_mark.line) + 1,
                                     static_cast<int>(e.start_mark.column) + 1},
                      "invalid YAML: nesting deeper than " + std::to_string(kMaxDepth) + " levels",
                      kSyntaxHint);
    }
    YamlNode n;
    n.kind = kind;
    set_mark(n, e.start_mark);
    YamlNode& placed = place(std::move(n));
    stack_.push_back(Open{&placed, anchor ? reinterpret_cast<const char*>(anchor) : ""});
  }

  void close() {
    Open top = std::move(stack_.back());
    stack_.pop_back();
    if (top.node->is_map()) apply_merge_keys(*top.node);
    if (!top.anchor.empty()) anchors_[top.anchor] = *top.node;
  }

  void alias(const yaml_event_t& e) {
    std::string anchor = reinterpret_cast<const char*>(e.data.alias.anchor);
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      throw UserError(SourceLocation{name_, static_cast<int>(e.start_mark.line) + 1,
                                     static_cast<int>(e.start_mark.column) + 1},
                      "invalid YAML: unknown anchor '" + anchor + "'",
                      "define it with &" + anchor + " first");
    }
    alias_nodes_ += count_nodes(it->second);
    if (alias_nodes_ > kMaxAliasNodes) {
      throw UserError(
          SourceLocation{name_, static_cast<int>(e.start_mark.line) + 1,
                         static_cast<int>(e.start_mark.column) + 1},
          "invalid YAML: aliases expand to more than " + std::to_string(kMaxAliasNodes) + " nodes",
          "use fewer nested aliases");
    }
    place(it->second);  // keeps the anchor's positions, as yaml-cpp's shared nodes do
  }

  [[noreturn]] void syntax_error() const {
    const yaml_parser_t& p = *parser_;
    std::string msg = p.problem ? p.problem : "syntax error";
    if (p.context) msg = std::string(p.context) + ", " + msg;
    SourceLocation where{name_, static_cast<int>(p.problem_mark.line) + 1,
                         static_cast<int>(p.problem_mark.column) + 1};
    throw UserError(where, "invalid YAML: " + msg, kSyntaxHint);
  }

  const std::string& name_;
  Parser parser_;
  std::vector<Open> stack_;
  std::unordered_map<std::string, YamlNode> anchors_;
  std::size_t alias_nodes_ = 0;
  YamlNode result_;
  bool done_ = false;
};

}  // namespace

const YamlNode& YamlNode::operator[](std::string_view name) const {
  static const YamlNode undefined;
  if (kind != Kind::kMap) return undefined;
  for (std::size_t i = 0; i + 1 < children.size(); i += 2)
    if (children[i].kind == Kind::kScalar && children[i].scalar == name) return children[i + 1];
  return undefined;
}

YamlTree YamlTree::parse(std::string_view text, std::string name) {
  YamlTree t;
  t.root_ = Builder(text, name).build();
  t.name_ = std::move(name);
  return t;
}

void YamlTree::fail(const YamlNode& node, const std::string& message, const std::string& hint) const {
  SourceLocation where{name_};
  if (node.line > 0) {
    where.line = node.line;
    where.column = node.column;
  }
  throw UserError(where, message, hint);
}

nlohmann::json yaml_scalar_to_json(const std::string& s, bool quoted) {
  if (quoted) return s;
  if (is_plain_null(s)) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  const char* digits = (*begin == '-' || *begin == '+') ? begin + 1 : begin;
  if (digits < end && *digits >= '0' && *digits <= '9') {
    long long i = 0;
    auto [p, ec] = std::from_chars(*begin == '+' ? begin + 1 : begin, end, i);
    if (ec == std::errc() && p == end) return i;
    double d = 0;
    auto [q, ec2] = std::from_chars(*begin == '+' ? begin + 1 : begin, end, d);
    if (ec2 == std::errc() && q == end) return d;
  }
  return s;
}

nlohmann::json yaml_to_json(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kUndefined:
    case YamlNode::Kind::kNull:
      return nullptr;
    case YamlNode::Kind::kScalar:
      return yaml_scalar_to_json(node.scalar, node.quoted);
    case YamlNode::Kind::kSequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node.children) out.push_back(yaml_to_json(item));
      return out;
    }
    case YamlNode::Kind::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (std::size_t i = 0; i < node.size(); ++i) out[node.key(i).scalar] = yaml_to_json(node.value(i));
      return out;
    }
  }
  return nullptr;
}

}  // namespace pond::project
