#pragma once
// The `modules` global (a subset of Python's datetime and re that dbt projects use) and
// datetime values such as `run_started_at`.
#include <string>

#include "jinja/value.hpp"

namespace pond::compile {

jinja::Value make_modules();
// A datetime from "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (UTC).
jinja::Value make_datetime(const std::string& iso);

}  // namespace pond::compile
