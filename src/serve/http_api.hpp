#pragma once
// The HTTP table API of `pond serve` (ROAPI's shape) on the shared http layer:
//   GET  /api/tables/{t}   a lake table, with columns=, filter[col]op=, sort=, limit=, offset=
//   POST /api/sql          the body is one SQL statement (the wire server's refusals apply)
//   GET  /api/schema       the lake's tables and their columns
// Results as JSON or CSV by Accept, streamed in chunks. With a users file every request needs
// `Authorization: Bearer TOKEN` (a token listed there); without one, only loopback clients.
#include "http/server.hpp"
#include "serve/server_context.hpp"

namespace pond::serve {

void add_table_api(http::Server& server, ServerContext& ctx);

}  // namespace pond::serve
