#include "jinja/environment.hpp"

#include <fstream>
#include <sstream>

#include "jinja/ast.hpp"
#include "jinja/globals.hpp"
#include "jinja/interp.hpp"
#include "jinja/parser.hpp"

namespace pond::jinja {

// ---- errors ----

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kSyntax:
      return "TemplateSyntaxError";
    case ErrorKind::kAssertion:
      return "TemplateAssertionError";
    case ErrorKind::kUndefined:
      return "UndefinedError";
    case ErrorKind::kRuntime:
      return "TemplateRuntimeError";
    case ErrorKind::kNotFound:
      return "TemplateNotFound";
    case ErrorKind::kType:
      return "TypeError";
    case ErrorKind::kValue:
      return "ValueError";
    case ErrorKind::kZeroDivision:
      return "ZeroDivisionError";
    case ErrorKind::kKey:
      return "KeyError";
    case ErrorKind::kIndex:
      return "IndexError";
    case ErrorKind::kAttribute:
      return "AttributeError";
    case ErrorKind::kOverflow:
      return "OverflowError";
    case ErrorKind::kLimit:
      return "RecursionError";
  }
  return "TemplateError";
}

TemplateError::TemplateError(ErrorKind kind, std::string message, std::string name, int line, int column)
    : std::runtime_error(message),
      kind_(kind),
      message_(std::move(message)),
      name_(std::move(name)),
      line_(line),
      column_(column) {}

void TemplateError::locate(const std::string& name, int line, int column) {
  if (line_ > 0) return;
  if (name_.empty()) name_ = name;
  line_ = line;
  column_ = column;
}

std::string TemplateError::describe() const {
  std::string where = name_.empty() ? "<template>" : name_;
  if (line_ > 0) {
    where += ":" + std::to_string(line_);
    if (column_ > 0) where += ":" + std::to_string(column_);
  }
  return where + ": " + error_kind_name(kind_) + ": " + message_;
}

// ---- environment ----

Environment::Environment() {
  install_default_globals(*this);
}
Environment::~Environment() = default;

void Environment::add_global(const std::string& name, Value value) {
  globals_[name] = std::move(value);
}

void Environment::add_function(const std::string& name, NativeFunction fn) {
  globals_[name] = Value::function(name, std::move(fn));
}

void Environment::add_filter(const std::string& name, NativeFunction fn) {
  filters_[name] = std::move(fn);
}
void Environment::add_test(const std::string& name, NativeFunction fn) {
  tests_[name] = std::move(fn);
}
void Environment::set_loader(Loader loader) {
  loader_ = std::move(loader);
}

Environment::Loader Environment::directory_loader(std::string dir) {
  return [dir = std::move(dir)](const std::string& name) -> std::optional<std::string> {
    // Jinja2's FileSystemLoader splits on '/' and refuses '..' segments.
    std::string path = dir;
    std::size_t i = 0;
    while (i <= name.size()) {
      std::size_t j = name.find('/', i);
      if (j == std::string::npos) j = name.size();
      std::string seg = name.substr(i, j - i);
      if (seg == "..") return std::nullopt;
      if (!seg.empty() && seg != ".") path += "/" + seg;
      i = j + 1;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in.good() && !in.eof()) return std::nullopt;
    std::string text = ss.str();
    // Jinja2's loader decodes files as UTF-8 and fails on invalid bytes.
    for (std::size_t pos = 0; pos < text.size();) {
      auto c = static_cast<unsigned char>(text[pos]);
      std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      bool ok = n > 0 && pos + n <= text.size();
      for (std::size_t k = 1; ok && k < n; ++k)
        ok = (static_cast<unsigned char>(text[pos + k]) & 0xC0) == 0x80;
      if (!ok)
        throw TemplateError(ErrorKind::kValue,
                            "'utf-8' codec can't decode byte in position " + std::to_string(pos) +
                                ": invalid start or continuation byte",
                            name);
      pos += n;
    }
    return text;
  };
}

const Value* Environment::find_global(std::string_view name) const {
  auto it = globals_.find(name);
  return it == globals_.end() ? nullptr : &it->second;
}
const NativeFunction* Environment::find_filter(std::string_view name) const {
  auto it = filters_.find(name);
  return it == filters_.end() ? nullptr : &it->second;
}
const NativeFunction* Environment::find_test(std::string_view name) const {
  auto it = tests_.find(name);
  return it == tests_.end() ? nullptr : &it->second;
}

std::shared_ptr<const Template> Environment::from_string(std::string_view source,
                                                         const std::string& name) const {
  ParseEnv pe;
  pe.has_custom_filter = [this](std::string_view n) { return find_filter(n) != nullptr; };
  pe.has_custom_test = [this](std::string_view n) { return find_test(n) != nullptr; };
  std::shared_ptr<const TemplateAst> ast = parse_template(source, name, pe);
  return std::make_shared<const Template>(*this, std::move(ast));
}

std::shared_ptr<const Template> Environment::get_template(const std::string& name) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
  }
  std::optional<std::string> source;
  if (loader_) source = loader_(name);
  if (!source) throw TemplateError(ErrorKind::kNotFound, name);
  // Parsing happens outside the lock; two threads may parse the same template once each.
  std::shared_ptr<const Template> t = from_string(*source, name);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto [it, inserted] = cache_.emplace(name, t);
  return it->second;
}

// ---- template ----

Template::Template(const Environment& env, std::shared_ptr<const TemplateAst> ast)
    : env_(&env), ast_(std::move(ast)) {}

const std::string& Template::name() const {
  return ast_->name;
}

std::string Template::render(const Value& vars, const Globals* layer) const {
  std::string out;
  out.reserve(ast_->source.size() + 64);
  Interp in(*env_, vars, out);
  in.set_layer(layer);
  auto root = std::make_shared<Scope>();
  root->is_root = true;
  in.render_template(ast_, *root);
  return out;
}

bool is_macro(const Value& v) {
  return Interp::is_macro(v);
}

Value Template::render_native(const Value& vars, const Globals* layer) const {
  std::string out;
  Interp in(*env_, vars, out);
  in.set_layer(layer);
  auto root = std::make_shared<Scope>();
  root->is_root = true;
  return in.render_native(ast_, *root);
}

std::shared_ptr<const Module> Template::load_module(const Value& vars) const {
  return render_module(vars, 0, true);
}

std::shared_ptr<const Module> Template::default_module(int depth) const {
  {
    std::lock_guard<std::mutex> lock(module_mutex_);
    if (module_) return module_;
  }
  // Rendered outside the lock (a module may import others); the first one stored wins.
  std::shared_ptr<const Module> m = render_module(Value(), depth, false);
  // A module whose top level holds lists, dicts or namespaces is not cached: renders on other
  // threads would mutate them at once (Jinja2 shares them between renders). Each render (and
  // so each thread) then gets its own copy; within one render the import is still done once.
  if (!m->shareable()) return m;
  std::lock_guard<std::mutex> lock(module_mutex_);
  if (!module_) module_ = std::move(m);
  return module_;
}

std::shared_ptr<const Module> Template::render_module(const Value& vars, int depth, bool sees_context) const {
  std::string out;
  auto root = std::make_shared<Scope>();
  root->is_root = true;
  root->sees_context = sees_context;
  root->names_owner = ast_;
  {
    Interp in(*env_, vars, out);
    in.set_depth(depth);
    in.render_template(ast_, *root);
  }
  Value exports = Value::dict();
  std::vector<std::pair<std::string, Value>> macros;
  bool shareable = true;
  for (const auto& v : root->vars) {
    if (!v.name.empty() && v.name[0] != '_') exports.as_dict().set(Value(v.name), v.value);
    if (Interp::is_macro(v.value)) macros.emplace_back(std::string(v.name), v.value);
    shareable = shareable && shareable_across_renders(v.value);
  }
  auto m = std::make_shared<Module>(std::move(exports), std::move(root), std::move(out));
  m->shareable_ = shareable;
  m->macros_ = std::move(macros);
  return m;
}

Module::Module(Value exports, std::shared_ptr<Scope> root, std::string output)
    : exports_(std::move(exports)), root_(std::move(root)), output_(std::move(output)) {}

Module::~Module() = default;

Value Module::get(std::string_view name) const {
  if (const Value* v = exports_.as_dict().find_str(name)) return *v;
  return Value::undefined("the module has no attribute '" + std::string(name) + "'");
}

}  // namespace pond::jinja
