#pragma once
#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize {

// Builds a model's relation as its materialization says (docs/materialize.md lists the SQL).
// Table and incremental builds run in one transaction: on any error (or an interrupt) the
// previous relation is left exactly as it was. Throws engine::EngineError with DuckDB's
// message, or UserError for configuration problems (e.g. on_schema_change='fail').
// Ephemeral models are not built (see ephemeral.hpp); calling this for one is an error.
MaterializeResult materialize_model(Session& session, const ModelSpec& spec, const RunOptions& options);

// Whether this invocation rebuilds the model from scratch (flag, overridden by the model's config).
bool is_full_refresh(const ModelSpec& spec, const RunOptions& options);

// dbt's is_incremental() for the compiler: an incremental model whose table exists, without
// full refresh.
bool is_incremental(Session& session, const ModelSpec& spec, const RunOptions& options);

}  // namespace pond::materialize
