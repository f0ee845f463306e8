#pragma once
// A REST API resource (`from: rest`) as the loader needs it: where the pages are, how to
// authenticate, how to page through them, where the records are in each page, and the cursor of
// incremental loads. Values that may hold secrets are templates: `${NAME}` stands for the
// environment variable NAME (read when the resource loads, never printed). docs/ingest.md
// documents each key.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/partition_window.hpp"

namespace pond::ingest {

// `auth: {type: ...}`.
enum class AuthType { kNone, kBearer, kBasic, kApiKey, kOAuth2ClientCredentials };

struct RestAuth {
  AuthType type = AuthType::kNone;
  std::string token;                // bearer
  std::string username, password;   // basic
  std::string key_name, key_value;  // api_key: the header or query parameter, its value
  bool key_in_query = false;        // api_key: `in: query` (default: a header)
  std::string token_url;            // oauth2: the token endpoint
  std::string client_id, client_secret, scope;
};

// `paginator: {type: ...}`.
enum class PaginatorType { kNone, kOffset, kPage, kCursor, kLinkHeader, kNextUrl };

struct Paginator {
  PaginatorType type = PaginatorType::kNone;
  // offset: `offset_param`=start, start+limit, ... with `limit_param`=limit.
  std::string offset_param = "offset";
  std::string limit_param = "limit";
  std::int64_t limit = 100;
  std::int64_t start = 0;  // offset: the first offset; page: the first page (default 1)
  // page: `page_param`=start, start+1, ...
  std::string page_param = "page";
  // offset: the path of the total number of records; page: of the total number of pages.
  std::string total_path;
  // cursor: the path of the next cursor in the body, sent as `cursor_param`.
  std::string cursor_path;
  std::string cursor_param = "cursor";
  // next_url: the path of the next page's URL in the body.
  std::string next_path;
  std::int64_t max_pages = 0;  // 0: no limit
};

// `incremental: {cursor: updated_at, param: since, initial: "2024-01-01"}`.
struct CursorIncremental {
  std::string cursor;                  // the path of the cursor in each record
  std::string param;                   // the query parameter the last value is sent as (may be empty)
  std::optional<std::string> initial;  // JSON text of the first load's value
};

struct RestSource {
  std::string url;                                           // base_url joined with path, or url (a template)
  std::vector<std::pair<std::string, std::string>> params;   // name -> value template
  std::vector<std::pair<std::string, std::string>> headers;  // name -> value template
  RestAuth auth;
  std::string records;  // the path of the list of records in the body; empty: the body is the list
  Paginator paginator;
  std::optional<CursorIncremental> incremental;
  std::chrono::milliseconds timeout{60000};  // of one request
  int retries = 5;                           // on 429, 5xx and transport errors
  std::chrono::milliseconds backoff{1000};   // the first retry's wait, doubled each time
  int parallel = 1;                          // offset/page: requests at a time
  std::optional<RestWindow> window;          // partitioned: the parameters of the partition
};

const char* paginator_name(PaginatorType t);

}  // namespace pond::ingest
