#pragma once
// Python semantics of operators, comparisons, attribute/item access, iteration and len(), shared by
// the evaluator, filters and methods.
#include <string>
#include <string_view>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/error.hpp"
#include "jinja/value.hpp"

namespace pond::jinja {

// Raises the UndefinedError an undefined value carries ("'x' is undefined").
[[noreturn]] void fail_undefined(const Value& v);
[[noreturn]] void fail_type(const std::string& message);

// Jinja2's object_type_repr: "dict object", "None", ...
std::string object_type_repr(const Value& v);

Value binary_op(BinOp op, const Value& a, const Value& b, std::size_t max_size);
Value negate(const Value& v);
// Python rich comparison for <, <=, >, >= ; throws TypeError for unorderable types.
bool less_than(const Value& a, const Value& b, const char* op = "<");
bool compare_op(CmpOp op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);

// environment.getattr / getitem: attribute first then item (or the reverse), Undefined when missing.
Value get_attr(const Value& obj, std::string_view name);
// get_attr with the name as a str value (an AttrExpr's): a miss shares its text, allocating nothing.
Value get_attr_name_value(const Value& obj, const Value& name);
Value get_item(const Value& obj, const Value& key);
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// Python iter() as a list of values; throws TypeError for non-iterables.
std::vector<Value> iterate(const Value& v);
// Python len(); throws TypeError when the value has no length.
std::int64_t length(const Value& v);

// ---- UTF-8 helpers (str is UTF-8; Python counts code points) ----
bool is_ascii(std::string_view s);
std::vector<std::string_view> utf8_chars(std::string_view s);
std::int64_t utf8_length(std::string_view s);
// Python's str.lower/upper (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic).
std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);
// title=true: str.title; swap=true: str.swapcase; else str.capitalize.
std::string py_case_words(std::string_view s, bool title, bool swap);
// Appends code point `cp` to `out` as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);
std::uint32_t cp_upper(std::uint32_t cp);
std::uint32_t cp_lower(std::uint32_t cp);
bool cp_is_cased(std::uint32_t cp);
bool cp_is_upper(std::uint32_t cp);
bool cp_is_lower(std::uint32_t cp);
bool is_py_space(std::string_view s, std::size_t i, std::size_t* len);

}  // namespace pond::jinja
