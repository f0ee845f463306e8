#pragma once
// The parsed form of a template. Immutable after parsing, so one tree serves many renders at once.
// Nodes carry a kind tag and are evaluated by switch (no virtual dispatch in the hot path).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "jinja/value.hpp"

namespace pond::jinja {

class Interp;

// Hash of a variable name (FNV-1a): computed at parse time for names in the tree, and at compile
// time for the few names the renderer binds itself (loop, caller, kwargs, varargs).
constexpr std::size_t name_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return static_cast<std::size_t>(h);
}

// Names the renderer binds itself. The parser interns these spellings to this same storage, so
// that scope lookups of them match by address (see Scope::find).
inline constexpr char kLoopName[] = "loop";
inline constexpr char kCallerName[] = "caller";
inline constexpr char kKwargsName[] = "kwargs";
inline constexpr char kVarargsName[] = "varargs";

enum class EK : std::uint8_t {
  kConst,
  kName,
  kList,
  kTuple,
  kDict,
  kAttr,
  kItem,
  kSlice,
  kCall,
  kFilter,
  kTest,
  kNot,
  kNeg,
  kPos,
  kBinary,
  kAnd,
  kOr,
  kCompare,
  kCond,
  kConcat,
};

enum class BinOp : std::uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
enum class CmpOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

struct Expr {
  EK kind;
  int line = 0;
  int col = 0;
  explicit Expr(EK k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;
};
using ExprPtr = std::unique_ptr<Expr>;

struct ConstExpr : Expr {
  Value value;
  ConstExpr() : Expr(EK::kConst) {}
};

struct NameExpr : Expr {
  std::string_view name;  // interned (TemplateAst::names): equal names share one address
  std::size_t hash = 0;
  NameExpr() : Expr(EK::kName) {}
};

struct SeqExpr : Expr {  // list or tuple display
  std::vector<ExprPtr> items;
  explicit SeqExpr(EK k) : Expr(k) {}
};

struct DictExpr : Expr {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
  DictExpr() : Expr(EK::kDict) {}
};

// The attributes of a for loop's `loop` object (LoopObj), so that `loop.last` is resolved when parsing.
enum class LoopAttr : std::uint8_t {
  kNone,  // not an attribute of `loop` (or not a loop attribute at all)
  kIndex,
  kIndex0,
  kRevindex,
  kRevindex0,
  kFirst,
  kLast,
  kLength,
  kDepth,
  kDepth0,
  kPrevitem,
  kNextitem,
};
LoopAttr loop_attr_of(std::string_view name);

enum class MethodId : std::uint8_t;  // methods.hpp

struct AttrExpr : Expr {
  ExprPtr obj;
  std::string name;
  Value name_value;          // `name` as a str: the Undefined a missing attribute gives shares its text
  bool dict_method = false;  // `name` is a dict method (parse time)
  MethodId method{};         // the dict or list method `name` names, if any (methods.hpp)
  // `loop.<attr>`: the attribute when `obj` is the name `loop`. It only applies while `loop` is
  // a LoopObj (a template may rebind the name), which the renderer checks.
  LoopAttr loop_attr = LoopAttr::kNone;
  AttrExpr() : Expr(EK::kAttr) {}
};

struct ItemExpr : Expr {
  ExprPtr obj;
  ExprPtr key;
  // Evaluating `key` cannot run template code (parse time), so `obj` may be read in place first.
  bool key_runs_no_code = false;
  ItemExpr() : Expr(EK::kItem) {}
};

struct SliceExpr : Expr {
  ExprPtr obj, start, stop, step;  // bounds may be null
  SliceExpr() : Expr(EK::kSlice) {}
};

struct Arg {
  std::string name;  // empty for positional
  ExprPtr value;
  std::size_t hash = 0;  // name_hash(name), for keywords
};

struct CallArgsExpr {
  std::vector<Arg> args;       // the positional ones first
  std::size_t positional = 0;  // how many of `args` are positional
  ExprPtr dyn_args;            // *args
  ExprPtr dyn_kwargs;          // **kwargs
};

struct CallExpr : Expr {
  ExprPtr fn;
  CallArgsExpr call;
  CallExpr() : Expr(EK::kCall) {}
};

// A builtin filter or test: input value, then call arguments.
using FilterFn = Value (*)(Interp&, const Value&, CallArgs&);
using TestFn = bool (*)(Interp&, const Value&, CallArgs&);

struct FilterExpr : Expr {
  ExprPtr arg;  // null inside {% filter %} blocks and set-block filters: the body is the input
  std::string name;
  FilterFn fn = nullptr;            // null: an embedder filter (looked up by name) or unknown
  const char* signature = nullptr;  // builtin filters: checked against the call's arguments
  bool args_checked = false;        // the call's fixed arguments fit the signature (parse time)
  CallArgsExpr call;
  FilterExpr() : Expr(EK::kFilter) {}
};

struct TestExpr : Expr {
  ExprPtr arg;
  std::string name;
  TestFn fn = nullptr;
  int arity = 0;  // builtin tests: how many arguments they take
  bool negated = false;
  CallArgsExpr call;
  TestExpr() : Expr(EK::kTest) {}
};

struct UnaryExpr : Expr {
  ExprPtr operand;
  explicit UnaryExpr(EK k) : Expr(k) {}
};

struct BinaryExpr : Expr {  // arithmetic, `and`, `or`
  BinOp op = BinOp::kAdd;
  ExprPtr lhs, rhs;
  explicit BinaryExpr(EK k) : Expr(k) {}
};

struct CompareExpr : Expr {
  ExprPtr first;
  std::vector<std::pair<CmpOp, ExprPtr>> rest;
  CompareExpr() : Expr(EK::kCompare) {}
};

struct CondExpr : Expr {
  ExprPtr test, body, orelse;  // orelse may be null
  Value missing_else;          // without orelse: the undefined a false test yields (built once)
  CondExpr() : Expr(EK::kCond) {}
};

struct ConcatExpr : Expr {
  std::vector<ExprPtr> items;
  ConcatExpr() : Expr(EK::kConcat) {}
};

// ---- statements ----

enum class SK : std::uint8_t {
  kData,
  kPrint,
  kIf,
  kFor,
  kSet,
  kSetBlock,
  kMacro,
  kCallBlock,
  kFilterBlock,
  kWith,
  kDo,
  kBreak,
  kContinue,
  kInclude,
  kImport,
  kFromImport,
  kBlock,
};

struct Stmt {
  SK kind;
  int line = 0;
  int col = 0;
  explicit Stmt(SK k) : kind(k) {}
  virtual ~Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// Assignment target: a name, `ns.attr`, or a (nested) tuple of targets.
struct Target {
  enum class Type : std::uint8_t { kName, kAttr, kTuple } type = Type::kName;
  std::string_view name;  // interned (TemplateAst::names)
  std::size_t hash = 0;   // name_hash(name)
  std::string attr;
  std::vector<Target> items;
  int line = 0;
  int col = 0;
};

struct DataStmt : Stmt {
  std::string_view text;
  DataStmt() : Stmt(SK::kData) {}
};

struct PrintStmt : Stmt {
  ExprPtr expr;
  PrintStmt() : Stmt(SK::kPrint) {}
};

struct IfStmt : Stmt {
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body orelse;
  IfStmt() : Stmt(SK::kIf) {}
};

struct ForStmt : Stmt {
  Target target;
  ExprPtr iter;
  ExprPtr filter;
  Body body;
  Body orelse;
  bool recursive = false;
  bool uses_loop = false;  // the body mentions `loop`
  ForStmt() : Stmt(SK::kFor) {}
};

struct SetStmt : Stmt {
  Target target;
  ExprPtr value;
  SetStmt() : Stmt(SK::kSet) {}
};

struct SetBlockStmt : Stmt {
  Target target;
  Body body;
  ExprPtr filter;  // FilterExpr chain whose innermost arg is null, or null
  SetBlockStmt() : Stmt(SK::kSetBlock) {}
};

// A macro (or the body of a call block's caller). Shared by the macro values created from it.
struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<std::string_view> param_names;  // the params, interned (TemplateAst::names)
  std::vector<std::size_t> param_hashes;      // name_hash of each param
  std::string_view interned_name;             // `name`, interned
  std::size_t hash = 0;                       // name_hash(name)
  bool has_caller_param = false;              // a parameter named `caller`
  std::vector<ExprPtr> defaults;              // aligned to the last params
  Body body;
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
  bool is_caller = false;  // the body of a {% call %} block
  int line = 0;
};

struct MacroStmt : Stmt {
  std::unique_ptr<MacroDef> def;
  MacroStmt() : Stmt(SK::kMacro) {}
};

struct CallBlockStmt : Stmt {
  ExprPtr call;  // a CallExpr
  std::unique_ptr<MacroDef> caller;
  CallBlockStmt() : Stmt(SK::kCallBlock) {}
};

struct FilterBlockStmt : Stmt {
  ExprPtr filter;  // FilterExpr chain whose innermost arg is null
  Body body;
  FilterBlockStmt() : Stmt(SK::kFilterBlock) {}
};

struct WithStmt : Stmt {
  std::vector<std::pair<Target, ExprPtr>> assigns;
  Body body;
  WithStmt() : Stmt(SK::kWith) {}
};

struct ExprStmt : Stmt {  // do
  ExprPtr expr;
  ExprStmt() : Stmt(SK::kDo) {}
};

struct IncludeStmt : Stmt {
  ExprPtr tmpl;
  bool ignore_missing = false;
  bool with_context = true;
  IncludeStmt() : Stmt(SK::kInclude) {}
};

struct ImportStmt : Stmt {
  ExprPtr tmpl;
  std::string alias;
  bool with_context = false;
  ImportStmt() : Stmt(SK::kImport) {}
};

struct FromImportStmt : Stmt {
  ExprPtr tmpl;
  std::vector<std::pair<std::string, std::string>> names;  // name, alias
  bool with_context = false;
  FromImportStmt() : Stmt(SK::kFromImport) {}
};

struct BlockStmt : Stmt {  // {% block %} renders in place (no template inheritance)
  std::string name;
  Body body;
  BlockStmt() : Stmt(SK::kBlock) {}
};

struct BareStmt : Stmt {  // break / continue
  explicit BareStmt(SK k) : Stmt(k) {}
};

// A parsed template: the normalised source (data nodes point into it) and the tree.
struct TemplateAst {
  std::string name;
  std::string source;
  // Variable names of the tree, one copy each (nodes and scopes view them; node-based, so they
  // never move).
  std::unordered_set<std::string> names;
  Body body;
};

}  // namespace pond::jinja
