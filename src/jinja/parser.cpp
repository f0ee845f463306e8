#include "jinja/parser.hpp"

#include "jinja/parser_internal.hpp"

namespace pond::jinja::detail {

std::string_view Parser::intern(std::string_view name) {
  for (const char* special : {kLoopName, kCallerName, kKwargsName, kVarargsName})
    if (name == special) return special;
  return *names_.emplace(name).first;
}

void Parser::fail_unknown_tag(const std::string* name, const Token& at) const {
  std::string msg = name ? "Encountered unknown tag '" + *name + "'." : "Unexpected end of template.";
  if (!end_stack_.empty()) {
    std::string looking;
    bool expected = false;
    for (const auto& ends : end_stack_)
      for (auto e : ends)
        if (name && e == *name) expected = true;
    const auto& last = end_stack_.back();
    for (std::size_t i = 0; i < last.size(); ++i) {
      if (i) looking += " or ";
      looking += "'" + std::string(last[i]) + "'";
    }
    if (name && expected)
      msg += " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " +
             looking + ".";
    else
      msg += " Jinja was looking for the following tags: " + looking + ".";
  }
  if (!tag_stack_.empty())
    msg += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
  fail(msg, at);
}

Body Parser::subparse(const EndTokens& ends) {
  DepthGuard guard(*this);
  Body body;
  if (!ends.empty()) end_stack_.push_back(ends);
  while (cur().type != Tok::kEof) {
    const Token& t = cur();
    if (t.type == Tok::kData) {
      auto d = make_node<DataStmt>(t);
      d->text = t.text;
      body.push_back(std::move(d));
      next();
    } else if (t.type == Tok::kVarBegin) {
      next();
      auto p = make_node<PrintStmt>(cur());
      p->expr = parse_tuple(false, true, {}, false);
      expect_type(Tok::kVarEnd, "variable_end");
      body.push_back(std::move(p));
    } else if (t.type == Tok::kBlockBegin) {
      next();
      if (!ends.empty() && at_end_token(ends)) {
        end_stack_.pop_back();
        return body;
      }
      body.push_back(parse_statement());
      expect_type(Tok::kBlockEnd, "block_end");
    } else {
      fail("internal parser error");
    }
  }
  if (!ends.empty()) fail_unknown_tag(nullptr, cur());
  return body;
}

// After a statement's head: expects %} then parses until one of `ends`.
Body Parser::parse_statements(const EndTokens& ends, bool drop_needle) {
  skip_op(":");
  expect_type(Tok::kBlockEnd, "block_end");
  Body b = subparse(ends);
  if (cur().type == Tok::kEof) fail_unknown_tag(nullptr, cur());
  if (drop_needle) next();
  return b;
}

StmtPtr Parser::parse_statement() {
  const Token& t = cur();
  if (t.type != Tok::kName) fail("tag name expected");
  std::string tag(t.text);
  tag_stack_.push_back(tag);
  bool pop = true;
  StmtPtr s;
  if (tag == "for")
    s = parse_for();
  else if (tag == "if")
    s = parse_if();
  else if (tag == "set")
    s = parse_set();
  else if (tag == "macro")
    s = parse_macro();
  else if (tag == "call")
    s = parse_call_block();
  else if (tag == "filter")
    s = parse_filter_block();
  else if (tag == "with")
    s = parse_with();
  else if (tag == "do") {
    auto d = make_node<ExprStmt>(next());
    d->expr = parse_tuple(false, true, {}, false);
    s = std::move(d);
  } else if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) fail("'" + tag + "' outside of a loop", t);
    s = make_node<BareStmt>(next(), tag == "break" ? SK::kBreak : SK::kContinue);
  } else if (tag == "include")
    s = parse_include();
  else if (tag == "import")
    s = parse_import();
  else if (tag == "from")
    s = parse_from();
  else if (tag == "block")
    s = parse_block();
  else if (tag == "print")
    s = parse_print();
  else {
    tag_stack_.pop_back();
    pop = false;
    fail_unknown_tag(&tag, t);
  }
  if (pop) tag_stack_.pop_back();
  return s;
}

Target Parser::parse_assign_target(bool with_tuple, bool name_only, const EndTokens& extra_end,
                                   bool with_namespace) {
  const Token& at = cur();
  if (with_namespace && look().is_op(".") && cur().type == Tok::kName) {
    Target t;
    t.type = Target::Type::kAttr;
    t.line = at.line;
    t.col = at.col;
    t.name = intern(next().text);
    t.hash = name_hash(t.name);
    next();
    t.attr = std::string(expect_any_name().text);
    return t;
  }
  if (name_only) {
    Target t;
    t.line = at.line;
    t.col = at.col;
    t.name = intern(expect_any_name().text);
    t.hash = name_hash(t.name);
    return t;
  }
  ExprPtr e = with_tuple ? parse_tuple(true, false, extra_end, false) : parse_primary();
  return to_target(*e, at);
}

Target Parser::to_target(const Expr& e, const Token& at) {
  Target t;
  t.line = e.line;
  t.col = e.col;
  if (e.kind == EK::kName) {
    t.name = static_cast<const NameExpr&>(e).name;
    t.hash = name_hash(t.name);
    if (t.name == "true" || t.name == "false" || t.name == "none" || t.name == "True" || t.name == "False" ||
        t.name == "None")
      fail("Can't assign to '" + std::string(t.name) + "'", at);
    return t;
  }
  if (e.kind == EK::kTuple) {
    t.type = Target::Type::kTuple;
    for (const auto& item : static_cast<const SeqExpr&>(e).items) t.items.push_back(to_target(*item, at));
    return t;
  }
  fail("can't assign to '" + std::string(kind_name(e.kind)) + "'", at);
}

const char* Parser::kind_name(EK k) {
  switch (k) {
    case EK::kConst:
      return "Const";
    case EK::kCall:
      return "Call";
    case EK::kAttr:
      return "Getattr";
    case EK::kItem:
      return "Getitem";
    default:
      return "expression";
  }
}

}  // namespace pond::jinja::detail

namespace pond::jinja {

std::unique_ptr<TemplateAst> parse_template(std::string_view source, const std::string& name,
                                            const ParseEnv& env) {
  auto ast = std::make_unique<TemplateAst>();
  ast->name = name;
  ast->source = normalize_source(source);
  detail::Parser p(tokenize(ast->source, ast->name), ast->name, env, ast->names);
  ast->body = p.parse();
  return ast;
}

}  // namespace pond::jinja