#pragma once
// Internal to parser*.cpp: the recursive-descent parser of Jinja2's grammar (jinja2/parser.py).
// Statements are in parser_statements.cpp, expressions in parser_expressions.cpp, the statement
// loop, assignment targets and parse_template in parser.cpp.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/error.hpp"
#include "jinja/lexer.hpp"
#include "jinja/parser.hpp"

namespace pond::jinja::detail {

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
  Parser(std::vector<Token> toks, const std::string& name, const ParseEnv& env,
         std::unordered_set<std::string>& names)
      : toks_(std::move(toks)), name_(name), env_(env), names_(names) {}

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

  [[noreturn]] void fail_unknown_tag(const std::string* name, const Token& at) const;

  // The tree's one copy of a variable name (the renderer's own names map to their constants).
  std::string_view intern(std::string_view name);

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

  // ---- statements (parser.cpp, parser_statements.cpp) ----
  Body subparse(const EndTokens& ends);
  // After a statement's head: expects %} then parses until one of `ends`.
  Body parse_statements(const EndTokens& ends, bool drop_needle);
  StmtPtr parse_statement();
  StmtPtr parse_for();
  StmtPtr parse_if();
  StmtPtr parse_set();
  void parse_signature(MacroDef& def);
  StmtPtr parse_macro();
  StmtPtr parse_call_block();
  StmtPtr parse_filter_block();
  StmtPtr parse_with();
  bool parse_context(bool& with_context);
  StmtPtr parse_include();
  StmtPtr parse_import();
  StmtPtr parse_from();
  StmtPtr parse_block();
  StmtPtr parse_print();

  // ---- targets (parser.cpp) ----
  Target parse_assign_target(bool with_tuple, bool name_only, const EndTokens& extra_end,
                             bool with_namespace);
  Target to_target(const Expr& e, const Token& at);
  // Fails when `t` binds `loop` (inside a for loop, where Jinja2 forbids it).
  void check_not_loop(const Target& t) const;
  static const char* kind_name(EK k);

  // ---- expressions (parser_expressions.cpp) ----
  ExprPtr parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }
  bool is_tuple_end(const EndTokens& extra) const;
  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const EndTokens& extra, bool explicit_parens);
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr binary(const Token& at, BinOp op, ExprPtr l, ExprPtr r);
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr constant(const Token& at, Value v);
  ExprPtr parse_primary();
  // Postfix nodes (x.y, x[0], f(), x is t) report errors at the start of their operand.
  static void place_at(Expr& n, const ExprPtr& operand);
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  // One subscript; a slice takes ownership of `node` (only valid as the sole subscript).
  ExprPtr parse_subscribed(ExprPtr& node);
  void parse_call_args(CallArgsExpr& out);
  ExprPtr parse_call(ExprPtr node);
  std::string dotted_name();
  ExprPtr parse_filter(ExprPtr node, bool start_inline);
  // Whether a builtin filter's call, whose shape is fixed without *args/**kwargs, passes the
  // argument check; the renderer then skips the check.
  static bool builtin_args_fit(const FilterExpr& f);
  ExprPtr parse_test(ExprPtr node);

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  const std::string& name_;
  const ParseEnv& env_;
  std::unordered_set<std::string>& names_;
  std::vector<EndTokens> end_stack_;
  std::vector<std::string> tag_stack_;
  std::vector<MacroDef*> macro_stack_;
  std::vector<ForStmt*> for_stack_;
  bool soft_ = false;
  int loop_depth_ = 0;
  int depth_ = 0;
};

}  // namespace pond::jinja::detail
