#pragma once
#include "materialize/backend.hpp"
#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize {

// Builds a model's relation in `backend` as its materialization says (docs/materialize.md lists
// the SQL). On a transactional backend table and incremental builds run in one transaction: on
// any error (or an interrupt) the previous relation is left exactly as it was; on the lake each
// write is one commit. Throws engine::EngineError with DuckDB's message, or UserError for
// configuration problems (e.g. on_schema_change='fail'). External models are DuckDB's (files
// and a view). Ephemeral models are not built (see ephemeral.hpp): InternalError.
MaterializeResult materialize_model(Session& session, Backend& backend, const ModelSpec& spec,
                                    const RunOptions& options);

// Whether this invocation rebuilds the model from scratch (flag, overridden by the model's config).
bool is_full_refresh(const ModelSpec& spec, const RunOptions& options);

// dbt's is_incremental() for the compiler: an incremental model whose table exists, without
// full refresh.
bool is_incremental(Session& session, Backend& backend, const ModelSpec& spec, const RunOptions& options);

}  // namespace pond::materialize
