// The `loop` variable of for loops and namespace() objects.
#include "jinja/interp.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

Value LoopObj::get_attr(std::string_view n) const {
  if (n == "last") return Value(index0 == length - 1);  // the most used, with first and index
  if (n == "first") return Value(index0 == 0);
  if (n == "index") return Value(index0 + 1);
  if (n == "index0") return Value(index0);
  if (n == "revindex") return Value(length - index0);
  if (n == "revindex0") return Value(length - index0 - 1);
  if (n == "first") return Value(index0 == 0);
  if (n == "last") return Value(index0 == length - 1);
  if (n == "length") return Value(length);
  if (n == "depth") return Value(std::int64_t{1});
  if (n == "depth0") return Value(std::int64_t{0});
  if (n == "previtem") {
    if (index0 == 0) return Value::undefined("there is no previous item");
    return (*items)[static_cast<std::size_t>(index0 - 1)];
  }
  if (n == "nextitem") {
    if (index0 + 1 >= length) return Value::undefined("there is no next item");
    return (*items)[static_cast<std::size_t>(index0 + 1)];
  }
  return Value::missing_attribute("jinja2.runtime.LoopContext object", n);
}

bool LoopObj::call_method(std::string_view n, CallArgs& args, Value& result) {
  if (n == "cycle") {
    if (args.args.empty()) throw TemplateError(ErrorKind::kType, "no items for cycling given");
    result = args.args[static_cast<std::size_t>(index0) % args.args.size()];
    return true;
  }
  if (n == "changed") {
    if (!changed_called || !(Value::list(changed_last) == Value::list(args.args))) {
      changed_called = true;
      changed_last = args.args;
      result = Value(true);
    } else {
      result = Value(false);
    }
    return true;
  }
  return false;
}

std::string LoopObj::repr() const {
  return "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(length) + ">";
}

Value NamespaceObj::get_attr(std::string_view n) const {
  if (const Value* v = attrs.as_dict().find_str(n)) return *v;
  return Value::missing_attribute("jinja2.utils.Namespace object", n);
}

Value NamespaceObj::get_item(const Value& key) const {
  if (const Value* v = attrs.as_dict().find(key)) return *v;
  return Value::undefined("'jinja2.utils.Namespace object' has no attribute " + key.repr());
}

void LoopObj::for_each_child(const std::function<void(const Value&)>& fn) const {
  if (items)
    for (const auto& v : *items) fn(v);
  for (const auto& v : changed_last) fn(v);
}
void LoopObj::clear_children() {
  items.reset();
  length = 0;
  changed_last.clear();
}

bool NamespaceObj::set_attr(std::string_view n, const Value& v) {
  // `{% set ns.total = ns.total + 1 %}` in a loop: replace the value without building a key.
  if (Value* slot = attrs.as_dict().find_str(n))
    *slot = v;
  else
    attrs.as_dict().set(Value(n), v);
  return true;
}

std::string NamespaceObj::repr() const {
  std::string s = "<Namespace ";
  attrs.append_repr(s);
  return s + ">";
}

}  // namespace pond::jinja
