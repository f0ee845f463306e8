#pragma once
// What pond serve refuses to run for any client, over the wire or HTTP (42501): statements that
// write files (COPY, EXPORT: the lake's own folder is readable, so they could replace its
// files), reach other databases (ATTACH, DETACH, IMPORT) or load code (INSTALL, LOAD).
#include <string>

#include "engine/prepared_statement.hpp"

namespace pond::serve {

// By the statement's first keyword, before DuckDB binds it (EXPORT's binder creates its folder).
void refuse_unserved(const std::string& verb);
// By DuckDB's statement kind, after preparing (catches what a leading comment or WITH hides).
void refuse_unserved(engine::StatementKind kind, const std::string& verb);

}  // namespace pond::serve
