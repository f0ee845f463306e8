// Jinja2's expression grammar, from conditional expressions down to literals, filters and tests.
#include "jinja/filters_util.hpp"
#include "jinja/methods.hpp"
#include "jinja/parser_internal.hpp"

namespace pond::jinja::detail {

bool Parser::is_tuple_end(const EndTokens& extra) const {
  Tok t = cur().type;
  if (t == Tok::kVarEnd || t == Tok::kBlockEnd || cur().is_op(")")) return true;
  return at_end_token(extra);
}

ExprPtr Parser::parse_tuple(bool simplified, bool with_condexpr, const EndTokens& extra,
                            bool explicit_parens) {
  const Token& at = cur();
  std::vector<ExprPtr> args;
  bool is_tuple = false;
  while (true) {
    if (!args.empty()) expect_op(",");
    if (is_tuple_end(extra)) break;
    if (simplified)
      args.push_back(parse_primary());
    else
      args.push_back(parse_expression(with_condexpr));
    if (cur().is_op(","))
      is_tuple = true;
    else
      break;
  }
  if (!is_tuple) {
    if (!args.empty()) return std::move(args[0]);
    if (!explicit_parens) fail("Expected an expression, got '" + describe_token(cur()) + "'");
  }
  auto t = make_node<SeqExpr>(at, EK::kTuple);
  t->items = std::move(args);
  return t;
}

ExprPtr Parser::parse_condexpr() {
  const Token& at = cur();
  ExprPtr e1 = parse_or();
  while (cur().is_name("if")) {
    next();
    bool saved = soft_;
    soft_ = true;
    auto c = make_node<CondExpr>(at);
    c->body = std::move(e1);
    c->test = parse_or();
    if (skip_name("else"))
      c->orelse = parse_condexpr();
    else
      c->missing_else = Value::undefined("the inline if-expression on line " + std::to_string(c->line) +
                                         " evaluated to false and no else section was defined.");
    soft_ = saved;
    e1 = std::move(c);
  }
  return e1;
}

ExprPtr Parser::parse_or() {
  const Token& at = cur();
  ExprPtr left = parse_and();
  while (skip_name("or")) {
    auto b = make_node<BinaryExpr>(at, EK::kOr);
    b->lhs = std::move(left);
    b->rhs = parse_and();
    left = std::move(b);
  }
  return left;
}

ExprPtr Parser::parse_and() {
  const Token& at = cur();
  ExprPtr left = parse_not();
  while (skip_name("and")) {
    auto b = make_node<BinaryExpr>(at, EK::kAnd);
    b->lhs = std::move(left);
    b->rhs = parse_not();
    left = std::move(b);
  }
  return left;
}

ExprPtr Parser::parse_not() {
  DepthGuard guard(*this);
  if (cur().is_name("not")) {
    auto n = make_node<UnaryExpr>(next(), EK::kNot);
    n->operand = parse_not();
    return n;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const Token& at = cur();
  ExprPtr expr = parse_math1();
  std::unique_ptr<CompareExpr> cmp;
  while (true) {
    CmpOp op;
    const Token& t = cur();
    if (t.is_op("=="))
      op = CmpOp::kEq;
    else if (t.is_op("!="))
      op = CmpOp::kNe;
    else if (t.is_op("<"))
      op = CmpOp::kLt;
    else if (t.is_op("<="))
      op = CmpOp::kLe;
    else if (t.is_op(">"))
      op = CmpOp::kGt;
    else if (t.is_op(">="))
      op = CmpOp::kGe;
    else if (t.is_name("in"))
      op = CmpOp::kIn;
    else if (t.is_name("not") && look().is_name("in")) {
      next();
      op = CmpOp::kNotIn;
    } else
      break;
    next();
    if (!cmp) {
      cmp = make_node<CompareExpr>(at);
      cmp->first = std::move(expr);
    }
    cmp->rest.emplace_back(op, parse_math1());
  }
  if (cmp) return cmp;
  return expr;
}

ExprPtr Parser::binary(const Token& at, BinOp op, ExprPtr l, ExprPtr r) {
  auto b = make_node<BinaryExpr>(at, EK::kBinary);
  b->op = op;
  b->lhs = std::move(l);
  b->rhs = std::move(r);
  return b;
}

ExprPtr Parser::parse_math1() {
  const Token& at = cur();
  ExprPtr left = parse_concat();
  while (cur().is_op("+") || cur().is_op("-")) {
    BinOp op = next().text == "+" ? BinOp::kAdd : BinOp::kSub;
    left = binary(at, op, std::move(left), parse_concat());
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  const Token& at = cur();
  ExprPtr first = parse_math2();
  if (!cur().is_op("~")) return first;
  auto c = make_node<ConcatExpr>(at);
  c->items.push_back(std::move(first));
  while (skip_op("~")) c->items.push_back(parse_math2());
  return c;
}

ExprPtr Parser::parse_math2() {
  const Token& at = cur();
  ExprPtr left = parse_pow();
  while (true) {
    BinOp op;
    if (cur().is_op("*"))
      op = BinOp::kMul;
    else if (cur().is_op("/"))
      op = BinOp::kDiv;
    else if (cur().is_op("//"))
      op = BinOp::kFloorDiv;
    else if (cur().is_op("%"))
      op = BinOp::kMod;
    else
      break;
    next();
    left = binary(at, op, std::move(left), parse_pow());
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  const Token& at = cur();
  ExprPtr left = parse_unary(true);
  while (skip_op("**")) left = binary(at, BinOp::kPow, std::move(left), parse_unary(true));
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this);
  const Token& at = cur();
  ExprPtr node;
  if (at.is_op("-") || at.is_op("+")) {
    next();
    auto u = make_node<UnaryExpr>(at, at.text == "-" ? EK::kNeg : EK::kPos);
    u->operand = parse_unary(false);
    node = std::move(u);
  } else {
    node = parse_primary();
  }
  node = parse_postfix(std::move(node));
  if (with_filter) node = parse_filter_expr(std::move(node));
  return node;
}

ExprPtr Parser::constant(const Token& at, Value v) {
  auto c = make_node<ConstExpr>(at);
  c->value = std::move(v);
  return c;
}

ExprPtr Parser::parse_primary() {
  const Token& t = cur();
  switch (t.type) {
    case Tok::kName: {
      next();
      if (t.text == "true" || t.text == "True") return constant(t, Value(true));
      if (t.text == "false" || t.text == "False") return constant(t, Value(false));
      if (t.text == "none" || t.text == "None") return constant(t, Value::none());
      auto n = make_node<NameExpr>(t);
      n->name = intern(t.text);
      n->hash = name_hash(t.text);
      if (n->name == "loop")
        for (ForStmt* f : for_stack_) f->uses_loop = true;
      if (n->name == "varargs" || n->name == "kwargs" || n->name == "caller") {
        for (MacroDef* m : macro_stack_) {
          if (n->name == "varargs") m->uses_varargs = true;
          if (n->name == "kwargs") m->uses_kwargs = true;
          if (n->name == "caller") m->uses_caller = true;
        }
      }
      return n;
    }
    case Tok::kString: {
      std::string s = t.value;
      next();
      while (cur().type == Tok::kString) s += next().value;
      return constant(t, Value(std::move(s)));
    }
    case Tok::kInt:
      next();
      return constant(t, Value(t.ival));
    case Tok::kFloat:
      next();
      return constant(t, Value(t.fval));
    case Tok::kOp:
      if (t.text == "(") {
        next();
        ExprPtr e = parse_tuple(false, true, {}, true);
        expect_op(")");
        return e;
      }
      if (t.text == "[") {
        next();
        auto l = make_node<SeqExpr>(t, EK::kList);
        while (!cur().is_op("]")) {
          if (!l->items.empty()) expect_op(",");
          if (cur().is_op("]")) break;
          l->items.push_back(parse_expression(true));
        }
        expect_op("]");
        return l;
      }
      if (t.text == "{") {
        next();
        auto d = make_node<DictExpr>(t);
        while (!cur().is_op("}")) {
          if (!d->items.empty()) expect_op(",");
          if (cur().is_op("}")) break;
          ExprPtr k = parse_expression(true);
          expect_op(":");
          d->items.emplace_back(std::move(k), parse_expression(true));
        }
        expect_op("}");
        return d;
      }
      break;
    default:
      break;
  }
  if (t.type == Tok::kEof) fail("unexpected end of template");
  fail("unexpected '" + describe_token(t) + "'");
}

// Postfix nodes (x.y, x[0], f(), x is t) report errors at the start of their operand.
void Parser::place_at(Expr& n, const ExprPtr& operand) {
  if (!operand) return;
  n.line = operand->line;
  n.col = operand->col;
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (cur().is_op(".") || cur().is_op("["))
      node = parse_subscript(std::move(node));
    else if (cur().is_op("("))
      node = parse_call(std::move(node));
    else
      break;
  }
  return node;
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (cur().is_op("|"))
      node = parse_filter(std::move(node), false);
    else if (cur().is_name("is"))
      node = parse_test(std::move(node));
    else if (cur().is_op("("))
      node = parse_call(std::move(node));
    else
      break;
  }
  return node;
}

namespace {
// Whether evaluating `e` surely runs no template code (no call, no embedder filter): names,
// literals, attributes and items of those, and builtin filters of those with literal arguments.
bool runs_no_code(const Expr& e) {
  switch (e.kind) {
    case EK::kConst:
    case EK::kName:
      return true;
    case EK::kAttr:
      return runs_no_code(*static_cast<const AttrExpr&>(e).obj);
    case EK::kItem:
      return static_cast<const ItemExpr&>(e).key_runs_no_code &&
             runs_no_code(*static_cast<const ItemExpr&>(e).obj);
    case EK::kFilter: {
      const auto& f = static_cast<const FilterExpr&>(e);
      if (!f.fn || !f.arg || f.call.dyn_args || f.call.dyn_kwargs) return false;
      for (const auto& a : f.call.args)
        if (a.value->kind != EK::kConst) return false;
      return runs_no_code(*f.arg);
    }
    default:
      return false;
  }
}
}  // namespace

ExprPtr Parser::parse_subscript(ExprPtr node) {
  const Token& t = next();
  if (t.text == ".") {
    const Token& a = cur();
    if (a.type == Tok::kName) {
      next();
      auto g = make_node<AttrExpr>(t);
      place_at(*g, node);
      g->obj = std::move(node);
      g->name = std::string(a.text);
      g->name_value = Value(g->name);
      g->dict_method = is_dict_method_name(g->name);
      g->method = method_id_of(g->name);
      if (g->obj->kind == EK::kName && static_cast<const NameExpr&>(*g->obj).name == kLoopName)
        g->loop_attr = loop_attr_of(g->name);
      return g;
    }
    if (a.type == Tok::kInt) {
      next();
      auto g = make_node<ItemExpr>(t);
      place_at(*g, node);
      g->obj = std::move(node);
      g->key = constant(a, Value(a.ival));
      g->key_runs_no_code = true;
      return g;
    }
    fail("expected name or number", a);
  }
  // '['
  std::vector<ExprPtr> args;
  while (!cur().is_op("]")) {
    if (!args.empty()) expect_op(",");
    args.push_back(parse_subscribed(node));
  }
  expect_op("]");
  if (args.size() == 1) {
    if (args[0]->kind == EK::kSlice) return std::move(args[0]);
    auto g = make_node<ItemExpr>(t);
    place_at(*g, node);
    g->obj = std::move(node);
    g->key = std::move(args[0]);
    g->key_runs_no_code = runs_no_code(*g->key);
    return g;
  }
  auto tup = make_node<SeqExpr>(t, EK::kTuple);
  for (auto& a : args) {
    if (a->kind == EK::kSlice) fail("slices inside tuple subscripts are not supported", t);
    tup->items.push_back(std::move(a));
  }
  auto g = make_node<ItemExpr>(t);
  place_at(*g, node);
  g->obj = std::move(node);
  g->key = std::move(tup);
  return g;
}

// One subscript; a slice takes ownership of `node` (only valid as the sole subscript).
ExprPtr Parser::parse_subscribed(ExprPtr& node) {
  const Token& at = cur();
  ExprPtr start;
  if (cur().is_op(":")) {
    next();
  } else {
    ExprPtr e = parse_expression(true);
    if (!cur().is_op(":")) return e;
    next();
    start = std::move(e);
  }
  auto s = make_node<SliceExpr>(at);
  s->start = std::move(start);
  if (!cur().is_op(":") && !cur().is_op("]") && !cur().is_op(",")) s->stop = parse_expression(true);
  if (skip_op(":")) {
    if (!cur().is_op("]") && !cur().is_op(",")) s->step = parse_expression(true);
  }
  if (!node) fail("invalid slice", at);
  s->obj = std::move(node);
  return s;
}

void Parser::parse_call_args(CallArgsExpr& out) {
  const Token& open = expect_op("(");
  bool require_comma = false;
  auto ensure = [&](bool ok) {
    if (!ok) fail("invalid syntax for function call expression", open);
  };
  while (!cur().is_op(")")) {
    if (require_comma) {
      expect_op(",");
      if (cur().is_op(")")) break;
    }
    if (cur().is_op("*")) {
      ensure(!out.dyn_args && !out.dyn_kwargs);
      next();
      out.dyn_args = parse_expression(true);
    } else if (cur().is_op("**")) {
      ensure(!out.dyn_kwargs);
      next();
      out.dyn_kwargs = parse_expression(true);
    } else if (cur().type == Tok::kName && look().is_op("=")) {
      ensure(!out.dyn_kwargs);
      const Token& kt = next();
      std::string key(kt.text);
      next();
      for (const auto& prev : out.args)
        if (prev.name == key) fail("keyword argument repeated: " + key, kt);
      std::size_t hash = name_hash(key);
      out.args.push_back(Arg{std::move(key), parse_expression(true), hash});
    } else {
      bool has_kw =
          std::any_of(out.args.begin(), out.args.end(), [](const Arg& a) { return !a.name.empty(); });
      ensure(!out.dyn_args && !out.dyn_kwargs && !has_kw);
      out.args.push_back(Arg{{}, parse_expression(true)});
      ++out.positional;
    }
    require_comma = true;
  }
  expect_op(")");
}

ExprPtr Parser::parse_call(ExprPtr node) {
  auto c = make_node<CallExpr>(cur());
  place_at(*c, node);
  c->fn = std::move(node);
  parse_call_args(c->call);
  return c;
}

std::string Parser::dotted_name() {
  std::string name(expect_any_name().text);
  while (cur().is_op(".")) {
    next();
    name += ".";
    name += expect_any_name().text;
  }
  return name;
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
  while (cur().is_op("|") || start_inline) {
    if (!start_inline) next();
    start_inline = false;
    const Token& at = cur();
    auto f = make_node<FilterExpr>(at);
    f->name = dotted_name();
    f->fn = find_builtin_filter(f->name);
    f->signature = builtin_filter_signature(f->name);
    if (!f->fn && !(env_.has_custom_filter && env_.has_custom_filter(f->name)) && !soft_)
      fail("No filter named '" + f->name + "'.", at, ErrorKind::kAssertion);
    if (cur().is_op("(")) parse_call_args(f->call);
    f->args_checked = f->fn && builtin_args_fit(*f);
    f->arg = std::move(node);
    node = std::move(f);
  }
  return node;
}

// Whether a builtin filter's call, whose shape is fixed without *args/**kwargs, passes the
// argument check; the renderer then skips the check.
bool Parser::builtin_args_fit(const FilterExpr& f) {
  if (f.call.dyn_args || f.call.dyn_kwargs) return false;
  CallArgs probe;
  for (const auto& a : f.call.args) {
    if (a.name.empty())
      probe.args.emplace_back();
    else
      probe.kwargs.emplace_back(a.name, Value());
  }
  try {
    check_filter_args(f.name, f.signature, probe);
    return true;
  } catch (const TemplateError&) {
    return false;
  }
}

ExprPtr Parser::parse_test(ExprPtr node) {
  next();  // is
  bool negated = skip_name("not");
  const Token& at = cur();
  auto t = make_node<TestExpr>(at);
  place_at(*t, node);
  t->name = dotted_name();
  t->negated = negated;
  t->fn = find_builtin_test(t->name);
  t->arity = builtin_test_arity(t->name);
  if (!t->fn && !(env_.has_custom_test && env_.has_custom_test(t->name)) && !soft_)
    fail("No test named '" + t->name + "'.", at, ErrorKind::kAssertion);
  const Token& c = cur();
  if (c.is_op("(")) {
    parse_call_args(t->call);
  } else if ((c.type == Tok::kName || c.type == Tok::kString || c.type == Tok::kInt ||
              c.type == Tok::kFloat || c.is_op("[") || c.is_op("{")) &&
             !c.is_name("else") && !c.is_name("or") && !c.is_name("and")) {
    if (c.is_name("is")) fail("You cannot chain multiple tests with is");
    ExprPtr arg = parse_postfix(parse_primary());
    t->call.args.push_back(Arg{{}, std::move(arg)});
    t->call.positional = 1;
  }
  t->arg = std::move(node);
  return t;
}

}  // namespace pond::jinja::detail
