#pragma once
// Internal to methods*.cpp: the per-type method tables and the argument helper they share.
#include <cstdint>
#include <string_view>

#include "jinja/value.hpp"

namespace pond::jinja {

// Python's str methods on `self` (a str); false when `name` is not one.
bool str_method(const Value& self, std::string_view name, CallArgs& a, Value& r);
// Integer argument i (None or absent: `dflt`); a TypeError for anything that is not an int.
std::int64_t int_arg(const CallArgs& a, std::size_t i, std::int64_t dflt);

}  // namespace pond::jinja
