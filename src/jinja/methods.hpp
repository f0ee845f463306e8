#pragma once
// Python's str, list and dict methods as templates use them (`s.upper()`, `l.append(x)`,
// `d.get(k)`), plus the string formatting they share with filters (`%` and str.format).
#include <cstdint>
#include <string>
#include <string_view>

#include "jinja/value.hpp"

namespace pond::jinja {

// The dict and list methods, resolved when parsing `obj.name` (AttrExpr::method) so that a call
// dispatches on a number instead of comparing names.
enum class MethodId : std::uint8_t {
  kNone,  // not a dict or list method (str methods, attributes, ...)
  kGet,
  kItems,
  kKeys,
  kValues,
  kUpdate,
  kPop,
  kSetdefault,
  kCopy,
  kClear,
  kPopitem,
  kFromkeys,
  kAppend,
  kExtend,
  kIndex,
  kCount,
  kInsert,
  kRemove,
  kReverse,
  kSort,
};
MethodId method_id_of(std::string_view name);
std::string_view method_name(MethodId id);
// obj.<id>(args) for a dict, list or tuple `obj`; false when its type has no such method.
bool call_container_method(const Value& obj, MethodId id, CallArgs& args, Value& result);
// Whether the method stores its arguments (or their items) in the container it is called on.
constexpr bool method_stores_args(MethodId id) {
  return id == MethodId::kAppend || id == MethodId::kExtend || id == MethodId::kInsert ||
         id == MethodId::kUpdate || id == MethodId::kSetdefault;
}

bool has_method(const Value& obj, std::string_view name);
// Whether `name` is a method of dict (then `d.name` is the method, not the item).
bool is_dict_method_name(std::string_view name);
// `obj.name` without calling it: a callable bound to obj.
Value bound_method(const Value& obj, std::string_view name);
// obj.name(args); returns false when obj has no such method.
bool call_method(const Value& obj, std::string_view name, CallArgs& args, Value& result);

// markupsafe.escape on a plain string.
std::string call_escape(std::string_view s);
// Python's printf-style `fmt % args` (args: one value, a tuple, or a dict for %(name)s).
Value percent_format(const Value& fmt, const Value& args);
// Python's str.format.
std::string str_format(std::string_view fmt, const CallArgs& args);
// Python's format(value, spec).
std::string format_value(const Value& v, std::string_view spec);

}  // namespace pond::jinja
