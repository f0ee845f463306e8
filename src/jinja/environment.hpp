#pragma once
// The embedding API: an Environment holds globals, native functions/filters/tests and a loader;
// it parses templates into immutable Template objects that any number of threads may render at
// once (all per-render state lives in the render call).
//
// Configure the environment (add_*, set_loader, set_limits) before rendering starts; it is read
// concurrently afterwards. Values given as globals are shared by every render, so treat them as
// immutable (a template that mutates a global list races with other threads, as in Python).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jinja/error.hpp"
#include "jinja/value.hpp"

namespace pond::jinja {

struct TemplateAst;
struct Scope;
class Template;

// Bounds on one render, so that hostile or buggy templates fail with a clear error.
struct Limits {
  std::size_t max_output = std::size_t{256} << 20;  // bytes of output (and of any one string)
  int max_depth = 200;                              // nested macro calls / includes
  std::int64_t max_range = 50'000'000;              // items of one range()
  std::uint64_t max_loop_steps = 0;                 // total loop iterations; 0 = unbounded
};

// What a native function can ask about the render calling it.
class RenderState {
 public:
  virtual ~RenderState() = default;
  // Looks a name up as the template would at the call site's top level (context, then globals).
  virtual Value lookup(std::string_view name) const = 0;
  // Calls a template value (macro, native function, ...) with arguments.
  virtual Value call(const Value& callable, CallArgs& args) = 0;
  // Name of the template being rendered.
  virtual const std::string& template_name() const = 0;
};

// Transparent string hashing, so lookups by string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Whether `v` is a macro defined by a template (not a native function).
bool is_macro(const Value& v);

// Named values: the environment's globals, or a layer of them given to one render.
using Globals = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

class Environment {
 public:
  // Returns a template's source by name, or nullopt when there is none.
  using Loader = std::function<std::optional<std::string>(const std::string& name)>;

  Environment();
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  void add_global(const std::string& name, Value value);
  // A function callable from templates: fn(args) with positional and keyword arguments.
  void add_function(const std::string& name, NativeFunction fn);
  // A filter: args.args[0] is the filtered value, the rest are the filter's arguments.
  void add_filter(const std::string& name, NativeFunction fn);
  // A test: like a filter, returning a value whose truthiness is the result.
  void add_test(const std::string& name, NativeFunction fn);
  void set_loader(Loader loader);
  // Loader reading `<dir>/<name>` from disk (names with ".." segments are refused).
  static Loader directory_loader(std::string dir);
  void set_limits(const Limits& limits) { limits_ = limits; }
  const Limits& limits() const { return limits_; }

  // Parses source; throws TemplateError on syntax errors.
  std::shared_ptr<const Template> from_string(std::string_view source,
                                              const std::string& name = "<template>") const;
  // Loads (once, then cached; thread-safe) and parses a named template; throws TemplateError
  // (kNotFound) when the loader has no such template.
  std::shared_ptr<const Template> get_template(const std::string& name) const;

  // Internal lookups used by the renderer.
  const Value* find_global(std::string_view name) const;
  const NativeFunction* find_filter(std::string_view name) const;
  const NativeFunction* find_test(std::string_view name) const;

 private:
  Globals globals_;
  std::unordered_map<std::string, NativeFunction, StringHash, std::equal_to<>> filters_;
  std::unordered_map<std::string, NativeFunction, StringHash, std::equal_to<>> tests_;
  Loader loader_;
  Limits limits_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Template>> cache_;
};

// A parsed template. Immutable; render() may run on several threads at once.
class Template {
 public:
  Template(const Environment& env, std::shared_ptr<const TemplateAst> ast);
  const std::string& name() const;
  // Renders with per-render variables (a dict value, or undefined for none). `layer`, when
  // given, is searched after the variables and before the environment's globals, by every
  // lookup of the render (also inside macros of other templates it calls): an embedder's
  // per-render view of names (dbt resolves macro names per package of the node rendered).
  std::string render(const Value& vars = Value(), const Globals* layer = nullptr) const;
  // Renders as dbt renders config values (Jinja2's native mode): a template that is exactly one
  // `{{ expr }}` returns the expression's value (a bool, a number, a list...); any other
  // template returns its text.
  Value render_native(const Value& vars = Value(), const Globals* layer = nullptr) const;
  // Renders the template as a macro library (like Jinja2's Template.module). Its macros stay
  // callable from other renders for as long as the returned Module lives.
  std::shared_ptr<const class Module> load_module(const Value& vars = Value()) const;

  const Environment& env() const { return *env_; }
  const std::shared_ptr<const TemplateAst>& ast() const { return ast_; }

  // The module `import` without context uses: rendered once without variables, then cached (as
  // Jinja2 caches it). `depth` is the importing render's nesting, to bound self-imports.
  std::shared_ptr<const Module> default_module(int depth) const;

 private:
  std::shared_ptr<const Module> render_module(const Value& vars, int depth, bool sees_context) const;

  const Environment* env_;
  std::shared_ptr<const TemplateAst> ast_;
  mutable std::mutex module_mutex_;
  mutable std::shared_ptr<const Module> module_;
};

// A rendered macro library: its exported names (top-level macros and `set`s, not starting
// with '_'). Macros close over the library's top level, which the Module keeps alive; when they
// run inside another render they see that render's variables.
class Module {
 public:
  Module(Value exports, std::shared_ptr<Scope> root, std::string output);
  ~Module();
  // A dict of exported name -> value.
  const Value& exports() const { return exports_; }
  // Every top-level macro, '_'-prefixed ones included (an embedder registering a library's
  // macros by name, as dbt does, needs them all), in definition order.
  const std::vector<std::pair<std::string, Value>>& macros() const { return macros_; }
  // One exported value, or undefined.
  Value get(std::string_view name) const;
  // What rendering the library printed.
  const std::string& output() const { return output_; }
  // Whether renders on several threads may share this module: its top level holds nothing a
  // template can mutate (macros, strings, numbers; no list, dict or namespace).
  bool shareable() const { return shareable_; }

 private:
  friend class Template;
  bool shareable_ = false;
  Value exports_;
  std::vector<std::pair<std::string, Value>> macros_;
  std::shared_ptr<Scope> root_;
  std::string output_;
};

}  // namespace pond::jinja
