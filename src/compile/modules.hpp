#pragma once
// The `modules` global (the parts of Python's datetime, re, itertools and pytz that dbt projects use) and
// datetime values such as `run_started_at`.
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.hpp"

namespace pond::compile {

jinja::Value make_modules();
// A datetime from "YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z]" (UTC); now when the text is shorter.
jinja::Value make_datetime(const std::string& iso);
// A date from "YYYY-MM-DD".
jinja::Value make_date(const std::string& iso);

// Internal to the modules: a namespace object whose attributes are the members (callable
// itself when `call` is set, as Python classes are), and the larger modules.
jinja::Value module_bag(std::vector<std::pair<std::string, jinja::Value>> members,
                        jinja::NativeFunction call = nullptr);
jinja::Value datetime_module();
jinja::Value re_module();
jinja::Value itertools_module();

}  // namespace pond::compile
