#include "jinja/parser.hpp"

#include <algorithm>

#include "jinja/error.hpp"
#include "jinja/filters_util.hpp"
#include "jinja/lexer.hpp"
#include "jinja/methods.hpp"

namespace pond::jinja {

namespace {

template <typename T>
std::unique_ptr<T> make_node(const Token& at) {
  auto n = std::make_unique<T>();
  n->line = at.line;
  n->col = at.col;
  return n;
}

template <typename T, typename A>
std::unique_ptr<T> make_node(const Token& at, A arg) {
  auto n = std::make_unique<T>(arg);
  n->line = at.line;
  n->col = at.col;
  return n;
}

class Parser {
 public:
  Parser(std::vector<Token> toks, const std::string& name, const ParseEnv& env)
      : toks_(std::move(toks)), name_(name), env_(env) {}

  Body parse() {
    Body b = subparse({});
    return b;
  }

 private:
  using EndTokens = std::vector<std::string_view>;

  const Token& cur() const { return toks_[pos_]; }
  const Token& look() const { return toks_[std::min(pos_ + 1, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }

  [[noreturn]] void fail(const std::string& msg, const Token& at, ErrorKind kind = ErrorKind::kSyntax) const {
    throw TemplateError(kind, msg, name_, at.line, at.col);
  }
  [[noreturn]] void fail(const std::string& msg) const { fail(msg, cur()); }

  bool skip_op(std::string_view op) {
    if (cur().is_op(op)) {
      next();
      return true;
    }
    return false;
  }
  bool skip_name(std::string_view n) {
    if (cur().is_name(n)) {
      next();
      return true;
    }
    return false;
  }
  static std::string describe_expected(std::string_view what) {
    if (what == "block_end") return "end of statement block";
    if (what == "variable_end") return "end of print statement";
    if (what == "name") return "name";
    return std::string(what);
  }
  const Token& expect_op(std::string_view op) {
    if (!cur().is_op(op)) expect_fail(op);
    return next();
  }
  const Token& expect_name(std::string_view n) {
    if (!cur().is_name(n)) expect_fail(n);
    return next();
  }
  const Token& expect_any_name() {
    if (cur().type != Tok::kName) expect_fail("name");
    return next();
  }
  const Token& expect_type(Tok t, std::string_view what) {
    if (cur().type != t) expect_fail(what);
    return next();
  }
  [[noreturn]] void expect_fail(std::string_view what) const {
    if (cur().type == Tok::kEof)
      fail("unexpected end of template, expected '" + describe_expected(what) + "'.");
    fail("expected token '" + describe_expected(what) + "', got '" + describe_token(cur()) + "'");
  }

  bool at_end_token(const EndTokens& ends) const {
    if (cur().type != Tok::kName) return false;
    return std::find(ends.begin(), ends.end(), cur().text) != ends.end();
  }

  [[noreturn]] void fail_unknown_tag(const std::string* name, const Token& at) const {
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
        msg +=
            " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " +
            looking + ".";
      else
        msg += " Jinja was looking for the following tags: " + looking + ".";
    }
    if (!tag_stack_.empty())
      msg += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
    fail(msg, at);
  }

  // Bounds the parser's recursion (Python's own limit makes Jinja2 fail on such input too).
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > 150) {
        --p.depth_;
        p.fail("template nested too deeply");
      }
    }
    ~DepthGuard() { --p.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
  };

  Body subparse(const EndTokens& ends) {
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
  Body parse_statements(const EndTokens& ends, bool drop_needle) {
    skip_op(":");
    expect_type(Tok::kBlockEnd, "block_end");
    Body b = subparse(ends);
    if (cur().type == Tok::kEof) fail_unknown_tag(nullptr, cur());
    if (drop_needle) next();
    return b;
  }

  StmtPtr parse_statement() {
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

  StmtPtr parse_for() {
    auto f = make_node<ForStmt>(next());
    f->target = parse_assign_target(true, false, {"in"}, false);
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

  StmtPtr parse_if() {
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

  StmtPtr parse_set() {
    const Token& at = next();
    Target target = parse_assign_target(true, false, {}, true);
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

  void parse_signature(MacroDef& def) {
    expect_op("(");
    while (!cur().is_op(")")) {
      if (!def.params.empty()) expect_op(",");
      const Token& n = expect_any_name();
      if (std::find(def.params.begin(), def.params.end(), n.text) != def.params.end())
        fail("duplicate argument '" + std::string(n.text) + "' in macro definition", n);
      def.params.emplace_back(n.text);
      def.param_hashes.push_back(name_hash(n.text));
      if (skip_op("=")) {
        def.defaults.push_back(parse_expression(true));
      } else if (!def.defaults.empty()) {
        fail("non-default argument follows default argument", n);
      }
    }
    expect_op(")");
  }

  StmtPtr parse_macro() {
    auto m = make_node<MacroStmt>(next());
    m->def = std::make_unique<MacroDef>();
    m->def->line = m->line;
    m->def->name = std::string(expect_any_name().text);
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

  StmtPtr parse_call_block() {
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

  StmtPtr parse_filter_block() {
    auto f = make_node<FilterBlockStmt>(next());
    f->filter = parse_filter(nullptr, true);
    f->body = parse_statements({"endfilter"}, true);
    return f;
  }

  StmtPtr parse_with() {
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

  bool parse_context(bool& with_context) {
    if ((cur().is_name("with") || cur().is_name("without")) && look().is_name("context")) {
      with_context = next().text == "with";
      next();
      return true;
    }
    return false;
  }

  StmtPtr parse_include() {
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

  StmtPtr parse_import() {
    auto s = make_node<ImportStmt>(next());
    s->tmpl = parse_expression(true);
    expect_name("as");
    s->alias = std::string(expect_any_name().text);
    parse_context(s->with_context);
    return s;
  }

  StmtPtr parse_from() {
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

  StmtPtr parse_block() {
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

  StmtPtr parse_print() {
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

  // ---- targets ----

  Target parse_assign_target(bool with_tuple, bool name_only, const EndTokens& extra_end,
                             bool with_namespace) {
    const Token& at = cur();
    if (with_namespace && look().is_op(".") && cur().type == Tok::kName) {
      Target t;
      t.type = Target::Type::kAttr;
      t.line = at.line;
      t.col = at.col;
      t.name = std::string(next().text);
      t.hash = name_hash(t.name);
      next();
      t.attr = std::string(expect_any_name().text);
      return t;
    }
    if (name_only) {
      Target t;
      t.line = at.line;
      t.col = at.col;
      t.name = std::string(expect_any_name().text);
      t.hash = name_hash(t.name);
      return t;
    }
    ExprPtr e = with_tuple ? parse_tuple(true, false, extra_end, false) : parse_primary();
    return to_target(*e, at);
  }

  Target to_target(const Expr& e, const Token& at) {
    Target t;
    t.line = e.line;
    t.col = e.col;
    if (e.kind == EK::kName) {
      t.name = static_cast<const NameExpr&>(e).name;
      t.hash = name_hash(t.name);
      if (t.name == "true" || t.name == "false" || t.name == "none" || t.name == "True" ||
          t.name == "False" || t.name == "None")
        fail("Can't assign to '" + t.name + "'", at);
      return t;
    }
    if (e.kind == EK::kTuple) {
      t.type = Target::Type::kTuple;
      for (const auto& item : static_cast<const SeqExpr&>(e).items) t.items.push_back(to_target(*item, at));
      return t;
    }
    fail("can't assign to '" + std::string(kind_name(e.kind)) + "'", at);
  }

  static const char* kind_name(EK k) {
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

  // ---- expressions ----

  bool is_tuple_end(const EndTokens& extra) const {
    Tok t = cur().type;
    if (t == Tok::kVarEnd || t == Tok::kBlockEnd || cur().is_op(")")) return true;
    return at_end_token(extra);
  }

  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const EndTokens& extra, bool explicit_parens) {
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

  ExprPtr parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

  ExprPtr parse_condexpr() {
    const Token& at = cur();
    ExprPtr e1 = parse_or();
    while (cur().is_name("if")) {
      next();
      bool saved = soft_;
      soft_ = true;
      auto c = make_node<CondExpr>(at);
      c->body = std::move(e1);
      c->test = parse_or();
      if (skip_name("else")) c->orelse = parse_condexpr();
      soft_ = saved;
      e1 = std::move(c);
    }
    return e1;
  }

  ExprPtr parse_or() {
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

  ExprPtr parse_and() {
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

  ExprPtr parse_not() {
    DepthGuard guard(*this);
    if (cur().is_name("not")) {
      auto n = make_node<UnaryExpr>(next(), EK::kNot);
      n->operand = parse_not();
      return n;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
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

  ExprPtr binary(const Token& at, BinOp op, ExprPtr l, ExprPtr r) {
    auto b = make_node<BinaryExpr>(at, EK::kBinary);
    b->op = op;
    b->lhs = std::move(l);
    b->rhs = std::move(r);
    return b;
  }

  ExprPtr parse_math1() {
    const Token& at = cur();
    ExprPtr left = parse_concat();
    while (cur().is_op("+") || cur().is_op("-")) {
      BinOp op = next().text == "+" ? BinOp::kAdd : BinOp::kSub;
      left = binary(at, op, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    const Token& at = cur();
    ExprPtr first = parse_math2();
    if (!cur().is_op("~")) return first;
    auto c = make_node<ConcatExpr>(at);
    c->items.push_back(std::move(first));
    while (skip_op("~")) c->items.push_back(parse_math2());
    return c;
  }

  ExprPtr parse_math2() {
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

  ExprPtr parse_pow() {
    const Token& at = cur();
    ExprPtr left = parse_unary(true);
    while (skip_op("**")) left = binary(at, BinOp::kPow, std::move(left), parse_unary(true));
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
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

  ExprPtr constant(const Token& at, Value v) {
    auto c = make_node<ConstExpr>(at);
    c->value = std::move(v);
    return c;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    switch (t.type) {
      case Tok::kName: {
        next();
        if (t.text == "true" || t.text == "True") return constant(t, Value(true));
        if (t.text == "false" || t.text == "False") return constant(t, Value(false));
        if (t.text == "none" || t.text == "None") return constant(t, Value::none());
        auto n = make_node<NameExpr>(t);
        n->name = std::string(t.text);
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
  static void place_at(Expr& n, const ExprPtr& operand) {
    if (!operand) return;
    n.line = operand->line;
    n.col = operand->col;
  }

  ExprPtr parse_postfix(ExprPtr node) {
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

  ExprPtr parse_filter_expr(ExprPtr node) {
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

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& t = next();
    if (t.text == ".") {
      const Token& a = cur();
      if (a.type == Tok::kName) {
        next();
        auto g = make_node<AttrExpr>(t);
        place_at(*g, node);
        g->obj = std::move(node);
        g->name = std::string(a.text);
        g->dict_method = is_dict_method_name(g->name);
        return g;
      }
      if (a.type == Tok::kInt) {
        next();
        auto g = make_node<ItemExpr>(t);
        place_at(*g, node);
        g->obj = std::move(node);
        g->key = constant(a, Value(a.ival));
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
  ExprPtr parse_subscribed(ExprPtr& node) {
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

  void parse_call_args(CallArgsExpr& out) {
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
        out.args.push_back(Arg{std::move(key), parse_expression(true)});
      } else {
        bool has_kw =
            std::any_of(out.args.begin(), out.args.end(), [](const Arg& a) { return !a.name.empty(); });
        ensure(!out.dyn_args && !out.dyn_kwargs && !has_kw);
        out.args.push_back(Arg{{}, parse_expression(true)});
      }
      require_comma = true;
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr node) {
    auto c = make_node<CallExpr>(cur());
    place_at(*c, node);
    c->fn = std::move(node);
    parse_call_args(c->call);
    return c;
  }

  std::string dotted_name() {
    std::string name(expect_any_name().text);
    while (cur().is_op(".")) {
      next();
      name += ".";
      name += expect_any_name().text;
    }
    return name;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
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
  static bool builtin_args_fit(const FilterExpr& f) {
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

  ExprPtr parse_test(ExprPtr node) {
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
    }
    t->arg = std::move(node);
    return t;
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  const std::string& name_;
  const ParseEnv& env_;
  std::vector<EndTokens> end_stack_;
  std::vector<std::string> tag_stack_;
  std::vector<MacroDef*> macro_stack_;
  std::vector<ForStmt*> for_stack_;
  bool soft_ = false;
  int loop_depth_ = 0;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<TemplateAst> parse_template(std::string_view source, const std::string& name,
                                            const ParseEnv& env) {
  auto ast = std::make_unique<TemplateAst>();
  ast->name = name;
  ast->source = normalize_source(source);
  Parser p(tokenize(ast->source, ast->name), ast->name, env);
  ast->body = p.parse();
  return ast;
}

}  // namespace pond::jinja
