// Jinja2's statements: for, if, set, macro, call, filter, with, include, import, from, block, print.
#include "jinja/parser_internal.hpp"

namespace pond::jinja::detail {

void Parser::check_not_loop(const Target& t) const {
  // Jinja2 refuses at compile time to bind `loop` in a for loop (its target, or a `set` anywhere
  // in its body, nested macros included): the name belongs to the loop object.
  if (t.type == Target::Type::kName && t.name == "loop")
    throw TemplateError(ErrorKind::kAssertion, "Can't assign to special loop variable in for-loop target",
                        name_, t.line, t.col);
  if (t.type == Target::Type::kTuple)
    for (const Target& item : t.items) check_not_loop(item);
}

StmtPtr Parser::parse_for() {
  auto f = make_node<ForStmt>(next());
  f->target = parse_assign_target(true, false, {"in"}, false);
  check_not_loop(f->target);
  expect_name("in");
  f->iter = parse_tuple(false, false, {"recursive"}, false);
  if (skip_name("if")) f->filter = parse_expression(true);
  f->recursive = skip_name("recursive");
  if (f->recursive) fail("recursive loops are not supported by pond", cur());
  bool saved_soft = soft_;
  soft_ = false;
  ++loop_depth_;
  for_stack_.push_back(f.get());
  f->body = parse_statements({"endfor", "else"}, false);
  for_stack_.pop_back();
  --loop_depth_;
  if (next().text == "else") {
    f->orelse = parse_statements({"endfor"}, true);
  }
  soft_ = saved_soft;
  return f;
}

StmtPtr Parser::parse_if() {
  auto node = make_node<IfStmt>(next());
  bool saved_soft = soft_;
  soft_ = true;
  while (true) {
    ExprPtr test = parse_tuple(false, false, {}, false);
    Body body = parse_statements({"elif", "else", "endif"}, false);
    node->branches.emplace_back(std::move(test), std::move(body));
    const Token& tok = next();
    if (tok.text == "elif") continue;
    if (tok.text == "else") node->orelse = parse_statements({"endif"}, true);
    break;
  }
  soft_ = saved_soft;
  return node;
}

StmtPtr Parser::parse_set() {
  const Token& at = next();
  Target target = parse_assign_target(true, false, {}, true);
  if (!for_stack_.empty()) check_not_loop(target);
  if (skip_op("=")) {
    auto s = make_node<SetStmt>(at);
    s->target = std::move(target);
    s->value = parse_tuple(false, true, {}, false);
    return s;
  }
  auto s = make_node<SetBlockStmt>(at);
  s->target = std::move(target);
  s->filter = parse_filter(nullptr, false);
  s->body = parse_statements({"endset"}, true);
  return s;
}

void Parser::parse_signature(MacroDef& def) {
  expect_op("(");
  while (!cur().is_op(")")) {
    if (!def.params.empty()) expect_op(",");
    const Token& n = expect_any_name();
    if (std::find(def.params.begin(), def.params.end(), n.text) != def.params.end())
      fail("duplicate argument '" + std::string(n.text) + "' in macro definition", n);
    def.params.emplace_back(n.text);
    def.param_names.push_back(intern(n.text));
    def.param_hashes.push_back(name_hash(n.text));
    if (n.text == "caller") def.has_caller_param = true;
    if (skip_op("=")) {
      def.defaults.push_back(parse_expression(true));
    } else if (!def.defaults.empty()) {
      fail("non-default argument follows default argument", n);
    }
  }
  expect_op(")");
}

StmtPtr Parser::parse_macro() {
  auto m = make_node<MacroStmt>(next());
  m->def = std::make_unique<MacroDef>();
  m->def->line = m->line;
  m->def->name = std::string(expect_any_name().text);
  m->def->interned_name = intern(m->def->name);
  m->def->hash = name_hash(m->def->name);
  parse_signature(*m->def);
  macro_stack_.push_back(m->def.get());
  bool saved_soft = soft_;
  int saved_loop = loop_depth_;
  soft_ = false;
  loop_depth_ = 0;
  m->def->body = parse_statements({"endmacro"}, true);
  soft_ = saved_soft;
  loop_depth_ = saved_loop;
  macro_stack_.pop_back();
  return m;
}

StmtPtr Parser::parse_call_block() {
  auto c = make_node<CallBlockStmt>(next());
  c->caller = std::make_unique<MacroDef>();
  c->caller->name = "caller";
  c->caller->is_caller = true;
  c->caller->line = c->line;
  if (cur().is_op("(")) parse_signature(*c->caller);
  const Token& at = cur();
  c->call = parse_expression(true);
  if (c->call->kind != EK::kCall) fail("expected call", at);
  macro_stack_.push_back(c->caller.get());
  bool saved_soft = soft_;
  int saved_loop = loop_depth_;
  soft_ = false;
  loop_depth_ = 0;
  c->caller->body = parse_statements({"endcall"}, true);
  soft_ = saved_soft;
  loop_depth_ = saved_loop;
  macro_stack_.pop_back();
  return c;
}

StmtPtr Parser::parse_filter_block() {
  auto f = make_node<FilterBlockStmt>(next());
  f->filter = parse_filter(nullptr, true);
  f->body = parse_statements({"endfilter"}, true);
  return f;
}

StmtPtr Parser::parse_with() {
  auto w = make_node<WithStmt>(next());
  while (cur().type != Tok::kBlockEnd) {
    if (!w->assigns.empty()) expect_op(",");
    Target t = parse_assign_target(true, false, {}, false);
    expect_op("=");
    w->assigns.emplace_back(std::move(t), parse_expression(true));
  }
  w->body = parse_statements({"endwith"}, true);
  return w;
}

bool Parser::parse_context(bool& with_context) {
  if ((cur().is_name("with") || cur().is_name("without")) && look().is_name("context")) {
    with_context = next().text == "with";
    next();
    return true;
  }
  return false;
}

StmtPtr Parser::parse_include() {
  auto s = make_node<IncludeStmt>(next());
  s->tmpl = parse_expression(true);
  if (cur().is_name("ignore") && look().is_name("missing")) {
    next();
    next();
    s->ignore_missing = true;
  }
  parse_context(s->with_context);
  return s;
}

StmtPtr Parser::parse_import() {
  auto s = make_node<ImportStmt>(next());
  s->tmpl = parse_expression(true);
  expect_name("as");
  s->alias = std::string(expect_any_name().text);
  parse_context(s->with_context);
  return s;
}

StmtPtr Parser::parse_from() {
  auto s = make_node<FromImportStmt>(next());
  s->tmpl = parse_expression(true);
  expect_name("import");
  while (true) {
    if (!s->names.empty()) expect_op(",");
    if (cur().type == Tok::kName) {
      if (parse_context(s->with_context)) break;
      const Token& n = next();
      if (n.text[0] == '_')
        fail("names starting with an underline can not be imported", n, ErrorKind::kAssertion);
      std::string alias(n.text);
      if (skip_name("as")) alias = std::string(expect_any_name().text);
      s->names.emplace_back(std::string(n.text), alias);
      if (parse_context(s->with_context) || !cur().is_op(",")) break;
    } else {
      expect_any_name();
    }
  }
  return s;
}

StmtPtr Parser::parse_block() {
  auto b = make_node<BlockStmt>(next());
  b->name = std::string(expect_any_name().text);
  skip_name("scoped");
  skip_name("required");
  b->body = parse_statements({"endblock"}, true);
  if (cur().type == Tok::kName) {
    if (cur().text != b->name) fail("'" + b->name + "' expected, got '" + std::string(cur().text) + "'");
    next();
  }
  return b;
}

StmtPtr Parser::parse_print() {
  const Token& at = next();
  auto p = make_node<PrintStmt>(at);
  auto tuple = make_node<SeqExpr>(at, EK::kTuple);
  while (cur().type != Tok::kBlockEnd) {
    if (!tuple->items.empty()) expect_op(",");
    tuple->items.push_back(parse_expression(true));
  }
  // {% print a, b %} prints each expression in turn: model it as a concat.
  auto cat = make_node<ConcatExpr>(at);
  cat->items = std::move(tuple->items);
  p->expr = std::move(cat);
  return p;
}

}  // namespace pond::jinja::detail
