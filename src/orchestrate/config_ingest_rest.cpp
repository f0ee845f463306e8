// pond.yml `ingest:` resources with `from: rest` (docs/ingest.md "REST APIs"): the URL, params
// and headers, auth, records, paginator and incremental cursor, read strictly. Secrets come from
// environment variables only (`${NAME}` or `{env: NAME}`), read when the resource loads.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "ingest/resource.hpp"
#include "ingest/secrets.hpp"
#include "orchestrate/config_reader_internal.hpp"

namespace pond::orchestrate {

namespace {

using ingest::AuthType;
using ingest::PaginatorType;

std::vector<std::pair<std::string, std::string>> env_map(const Reader& r, const YamlNode& n,
                                                         const std::string& what) {
  if (!n.is_map()) r.fail(n, what + " must map names to values", "e.g. " + what + " {per_page: 100}");
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    std::string key = r.name(n.key(i), "a name in " + what);
    for (const auto& [k, v] : out)
      if (k == key) r.fail(n.key(i), "duplicate '" + key + "' in " + what);
    out.emplace_back(key, env_value(r, n.value(i), what + " " + key));
  }
  return out;
}

ingest::RestAuth read_auth(const Reader& r, const YamlNode& n) {
  ingest::RestAuth a;
  if (!n.is_map() || !n["type"])
    r.fail(n, "'auth:' needs 'type:' (bearer, basic, api_key or oauth2_client_credentials)",
           "e.g. auth: {type: bearer, token: \"${API_TOKEN}\"}");
  std::string type = r.str(n["type"], "'auth: type:'");
  auto need = [&](const char* key) -> const YamlNode& {
    if (!n[key]) r.fail(n, "auth type " + type + " needs '" + key + ":'");
    return n[key];
  };
  if (type == "bearer") {
    r.keys(n, "'auth:'", {"type", "token"});
    a.type = AuthType::kBearer;
    a.token = env_value(r, need("token"), "'auth: token:'", true);
  } else if (type == "basic") {
    r.keys(n, "'auth:'", {"type", "username", "password"});
    a.type = AuthType::kBasic;
    a.username = env_value(r, need("username"), "'auth: username:'");
    a.password = env_value(r, need("password"), "'auth: password:'", true);
  } else if (type == "api_key") {
    r.keys(n, "'auth:'", {"type", "name", "value", "in"});
    a.type = AuthType::kApiKey;
    a.key_name = r.name(need("name"), "'auth: name:'");
    a.key_value = env_value(r, need("value"), "'auth: value:'", true);
    if (const auto& v = n["in"]) {
      std::string in = r.str(v, "'auth: in:'");
      if (in != "header" && in != "query") r.fail(v, "'auth: in:' must be header or query, not '" + in + "'");
      a.key_in_query = in == "query";
    }
  } else if (type == "oauth2_client_credentials") {
    r.keys(n, "'auth:'", {"type", "token_url", "client_id", "client_secret", "scope"});
    a.type = AuthType::kOAuth2ClientCredentials;
    a.token_url = env_value(r, need("token_url"), "'auth: token_url:'");
    a.client_id = env_value(r, need("client_id"), "'auth: client_id:'");
    a.client_secret = env_value(r, need("client_secret"), "'auth: client_secret:'", true);
    if (const auto& v = n["scope"]) a.scope = env_value(r, v, "'auth: scope:'");
  } else {
    std::vector<std::string> types{"bearer", "basic", "api_key", "oauth2_client_credentials"};
    std::string guess = closest_match(type, types);
    r.fail(n["type"], "'auth: type:' must be one of " + join(types) + ", not '" + type + "'",
           guess.empty() ? "" : "did you mean '" + guess + "'?");
  }
  return a;
}

ingest::Paginator read_paginator(const Reader& r, const YamlNode& n) {
  ingest::Paginator p;
  std::string type = n.is_scalar()             ? n.scalar
                     : n.is_map() && n["type"] ? r.str(n["type"], "'paginator: type:'")
                                               : "";
  if (type.empty())
    r.fail(n, "'paginator:' needs 'type:' (offset, page, cursor, link_header, next_url or none)",
           "e.g. paginator: {type: cursor, cursor: meta.next_cursor, param: cursor}");
  auto keys = [&](std::vector<std::string> k) {
    k.push_back("type");
    k.push_back("max_pages");
    if (n.is_map()) r.keys(n, "'paginator:' (" + type + ")", k);
  };
  auto need = [&](const char* key) -> const YamlNode& {
    if (!n.is_map() || !n[key]) r.fail(n, "paginator " + type + " needs '" + key + ":'");
    return n[key];
  };
  auto opt = [&](const char* key) -> const YamlNode* { return n.is_map() && n[key] ? &n[key] : nullptr; };
  if (type == "offset") {
    keys({"offset_param", "limit_param", "limit", "start", "total"});
    p.type = PaginatorType::kOffset;
    if (auto v = opt("offset_param")) p.offset_param = r.name(*v, "'offset_param:'");
    if (auto v = opt("limit_param")) p.limit_param = r.name(*v, "'limit_param:'");
    if (auto v = opt("limit")) p.limit = r.integer(*v, "'limit:'", 1, 1000000000);
    if (auto v = opt("start")) p.start = r.integer(*v, "'start:'", 0, 2000000000);
    if (auto v = opt("total")) p.total_path = r.name(*v, "'total:'");
  } else if (type == "page") {
    keys({"page_param", "start", "total_pages"});
    p.type = PaginatorType::kPage;
    p.start = 1;
    if (auto v = opt("page_param")) p.page_param = r.name(*v, "'page_param:'");
    if (auto v = opt("start")) p.start = r.integer(*v, "'start:'", 0, 2000000000);
    if (auto v = opt("total_pages")) p.total_path = r.name(*v, "'total_pages:'");
  } else if (type == "cursor") {
    keys({"cursor", "param"});
    p.type = PaginatorType::kCursor;
    p.cursor_path = r.name(need("cursor"), "'paginator: cursor:' (the path of the next cursor in the body)");
    if (auto v = opt("param")) p.cursor_param = r.name(*v, "'paginator: param:'");
  } else if (type == "link_header") {
    keys({});
    p.type = PaginatorType::kLinkHeader;
  } else if (type == "next_url") {
    keys({"next"});
    p.type = PaginatorType::kNextUrl;
    p.next_path = r.name(need("next"), "'paginator: next:' (the path of the next page's URL in the body)");
  } else if (type == "none") {
    keys({});
  } else {
    std::vector<std::string> types{"offset", "page", "cursor", "link_header", "next_url", "none"};
    std::string guess = closest_match(type, types);
    r.fail(n.is_map() ? n["type"] : n, "the paginator must be one of " + join(types) + ", not '" + type + "'",
           guess.empty() ? "" : "did you mean '" + guess + "'?");
  }
  if (auto v = opt("max_pages")) p.max_pages = r.integer(*v, "'max_pages:'", 1, 2000000000);
  return p;
}

}  // namespace

// A value that may name environment variables: a string with `${NAME}` in it, or {env: NAME}.
// `secret`: it must come from the environment (no password written into pond.yml).
std::string env_value(const Reader& r, const YamlNode& n, const std::string& what, bool secret) {
  std::string text;
  if (n.is_map()) {
    r.keys(n, what, {"env"});
    if (!n["env"]) r.fail(n, what + " needs 'env:' (the environment variable's name)");
    text = "${" + r.name(n["env"], what + " env:") + "}";
  } else {
    text = r.str(n, what);
  }
  std::vector<std::string> names;
  try {
    names = ingest::template_variables(text);
  } catch (const std::invalid_argument& e) {
    r.fail(n, what + ": " + e.what(), "write ${NAME} or {env: NAME}");
  }
  if (secret && names.empty())
    r.fail(n, what + " is a secret: it must come from an environment variable, not pond.yml",
           "e.g. \"${API_TOKEN}\" or {env: API_TOKEN}");
  return text;
}

void read_rest_source(const Reader& r, const YamlNode& n, ingest::ResourceConfig& res) {
  ingest::RestSource& rest = res.rest;
  const std::string& name = res.name;
  if (n["url"] && (n["base_url"] || n["path"]))
    r.fail(n["url"], "ingest resource '" + name + "': 'url:' or 'base_url:' with 'path:', not both");
  if (const auto& v = n["url"]) {
    rest.url = env_value(r, v, "'url:'");
  } else if (const auto& b = n["base_url"]) {
    std::string base = env_value(r, b, "'base_url:'");
    std::string path = n["path"] ? env_value(r, n["path"], "'path:'") : "";
    while (!base.empty() && base.back() == '/') base.pop_back();
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    rest.url = path.empty() ? base : base + "/" + path;
  } else {
    r.fail(n, "ingest resource '" + name + "' (from: rest) needs 'url:' or 'base_url:' (with 'path:')",
           "e.g. base_url: https://api.example.com/v1 and path: /orders");
  }
  if (!rest.url.starts_with("${") && !rest.url.starts_with("http://") && !rest.url.starts_with("https://"))
    r.fail(n["url"] ? n["url"] : n["base_url"],
           "the URL must start with http:// or https://, not '" + rest.url + "'");
  if (const auto& v = n["params"]) rest.params = env_map(r, v, "'params:'");
  if (const auto& v = n["headers"]) rest.headers = env_map(r, v, "'headers:'");
  if (const auto& v = n["auth"]) rest.auth = read_auth(r, v);
  if (const auto& v = n["records"]) rest.records = r.name(v, "'records:'");
  if (const auto& v = n["paginator"]) rest.paginator = read_paginator(r, v);
  if (const auto& v = n["timeout"]) rest.timeout = r.duration_ms(v, "'timeout:'");
  if (rest.timeout.count() <= 0) r.fail(n["timeout"], "'timeout:' must be longer than 0");
  if (const auto& v = n["retries"]) rest.retries = r.integer(v, "'retries:'", 0, 100);
  if (const auto& v = n["backoff"]) rest.backoff = r.duration_ms(v, "'backoff:'");
  if (const auto& v = n["parallel"]) {
    rest.parallel = r.integer(v, "'parallel:'", 1, 64);
    if (rest.parallel > 1 && rest.paginator.type != PaginatorType::kOffset &&
        rest.paginator.type != PaginatorType::kPage)
      r.fail(v, "'parallel:' needs a paginator whose pages are known ahead (offset or page)",
             "cursor, link_header and next_url pages are known only from the page before");
  }
  res.incremental = ingest::Incremental::kNone;
  if (const auto& v = n["incremental"]) {
    if (v.is_scalar() && v.scalar == "none") return;
    if (!v.is_map())
      r.fail(v, "'incremental:' of a REST resource is none or {cursor: ..., param: ..., initial: ...}",
             "e.g. incremental: {cursor: updated_at, param: since, initial: \"2024-01-01\"}");
    r.keys(v, "'incremental:'", {"cursor", "param", "initial"});
    if (!v["cursor"]) r.fail(v, "'incremental:' needs 'cursor:' (the path of the cursor in each record)");
    if (res.write == ingest::WriteDisposition::kReplace)
      r.fail(v,
             "write: replace loads everything each time; an incremental cursor belongs to append and merge");
    ingest::CursorIncremental inc;
    inc.cursor = r.name(v["cursor"], "'incremental: cursor:'");
    if (const auto& p = v["param"]) inc.param = r.name(p, "'incremental: param:'");
    if (const auto& i = v["initial"]) {
      // YAML's typing: `initial: 100` is a number, `initial: "2024-01-01"` a string.
      nlohmann::json value = project::yaml_scalar_to_json(r.str(i, "'incremental: initial:'"), i.quoted);
      if (!value.is_number()) value = i.scalar;
      inc.initial = value.dump();
    }
    rest.incremental = std::move(inc);
    res.incremental = ingest::Incremental::kCursor;
  }
}

}  // namespace pond::orchestrate
