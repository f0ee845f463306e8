#pragma once
// Internal: the context functions that run SQL during a render (run_query, statement blocks,
// load_result, store_result). They ask ContextData::hooks, which only a run connects.
#include "compile/context.hpp"

namespace pond::compile {

void install_statements(jinja::Environment& env, ContextData& data);

}  // namespace pond::compile
