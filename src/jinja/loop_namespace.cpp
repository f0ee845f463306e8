// The `loop` variable of for loops and namespace() objects.
#include "jinja/interp.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

LoopAttr loop_attr_of(std::string_view n) {
  if (n == "last") return LoopAttr::kLast;  // the most used, with first and index
  if (n == "first") return LoopAttr::kFirst;
  if (n == "index") return LoopAttr::kIndex;
  if (n == "index0") return LoopAttr::kIndex0;
  if (n == "revindex") return LoopAttr::kRevindex;
  if (n == "revindex0") return LoopAttr::kRevindex0;
  if (n == "length") return LoopAttr::kLength;
  if (n == "depth") return LoopAttr::kDepth;
  if (n == "depth0") return LoopAttr::kDepth0;
  if (n == "previtem") return LoopAttr::kPrevitem;
  if (n == "nextitem") return LoopAttr::kNextitem;
  return LoopAttr::kNone;
}

Value LoopObj::get_attr(std::string_view n) const {
  LoopAttr a = loop_attr_of(n);
  if (a == LoopAttr::kNone) return Value::missing_attribute("jinja2.runtime.LoopContext object", n);
  return attr(a);
}

Value LoopObj::other_attr(LoopAttr a) const {
  const auto size = items ? static_cast<std::int64_t>(items->size()) : 0;
  switch (a) {
    case LoopAttr::kRevindex:
      return Value(length - index0);
    case LoopAttr::kRevindex0:
      return Value(length - index0 - 1);
    case LoopAttr::kLength:
      return Value(length);
    case LoopAttr::kDepth:
      return Value(std::int64_t{1});
    case LoopAttr::kDepth0:
      return Value(std::int64_t{0});
    case LoopAttr::kPrevitem:
      if (index0 == 0 || index0 > size) return Value::undefined("there is no previous item");
      return (*items)[static_cast<std::size_t>(index0 - 1)];
    case LoopAttr::kNextitem:
      if (index0 + 1 >= length || index0 + 1 >= size) return Value::undefined("there is no next item");
      return (*items)[static_cast<std::size_t>(index0 + 1)];
    default:
      return attr(a);
  }
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
  fn(seq);
  for (const auto& v : changed_last) fn(v);
}
void LoopObj::clear_children() {
  items = nullptr;
  seq = Value();
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
