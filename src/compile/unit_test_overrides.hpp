#pragma once
// A unit test's `overrides: macros:` applied to the variables of one render, as dbt applies them
// to its context: a macro (global or `package.macro`) becomes a function returning the given value,
// any other context member (invocation_id, run_started_at, ...) becomes the value itself.
#include <nlohmann/json.hpp>
#include <string>

#include "jinja/environment.hpp"
#include "jinja/value.hpp"

namespace pond::compile {

struct MacroRegistry;

// Sets the overrides into `vars` (looked up before the layer and the globals). `layer` is what the
// node's package sees over the globals; `where` names the unit test in errors. Throws UserError
// for a name that is neither a macro nor a context member: dbt ignores it silently, which hides
// a misspelt override behind a test that still passes or fails for the wrong reason.
void apply_macro_overrides(jinja::Value& vars, const nlohmann::json& overrides, const MacroRegistry& registry,
                           const jinja::Globals* layer, const jinja::Environment& env,
                           const std::string& where);

}  // namespace pond::compile
