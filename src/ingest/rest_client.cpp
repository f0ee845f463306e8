#include "ingest/rest_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"

namespace pond::ingest {

namespace {

constexpr std::chrono::milliseconds kMaxWait{300000};  // the longest single wait between retries

const char* reason(long status) {
  switch (status) {
    case 400:
      return " Bad Request";
    case 401:
      return " Unauthorized";
    case 403:
      return " Forbidden";
    case 404:
      return " Not Found";
    case 405:
      return " Method Not Allowed";
    case 408:
      return " Request Timeout";
    case 410:
      return " Gone";
    case 422:
      return " Unprocessable Entity";
    case 429:
      return " Too Many Requests";
    case 500:
      return " Internal Server Error";
    case 502:
      return " Bad Gateway";
    case 503:
      return " Service Unavailable";
    case 504:
      return " Gateway Timeout";
    default:
      return "";
  }
}

bool retryable(long status) {
  return status == 429 || status == 408 || (status >= 500 && status <= 599);
}

// The first line or 200 characters of a response body, for an error message.
std::string snippet(const std::string& body) {
  std::string s = body.substr(0, std::min<std::size_t>(body.size(), 200));
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return body.size() > 200 ? s + "..." : s;
}

}  // namespace

std::optional<std::chrono::milliseconds> retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      value.size() < 10)
    return std::chrono::seconds(std::stoll(value));
  std::time_t when = curl_getdate(value.c_str(), nullptr);  // an HTTP date
  if (when < 0) return std::nullopt;
  std::time_t now = std::time(nullptr);
  return std::chrono::seconds(when > now ? when - now : 0);
}

RestClient::RestClient(const ResourceConfig& r, Secrets& secrets) : r_(r), secrets_(secrets) {
  for (const auto& [name, value] : r.rest.headers)
    headers_.push_back(name + ": " + secrets.expand(value, r.name));
  auth_ = r.rest.auth;
  for (std::string* field : {&auth_.token, &auth_.username, &auth_.password, &auth_.key_value,
                             &auth_.token_url, &auth_.client_id, &auth_.client_secret, &auth_.scope})
    *field = secrets.expand(*field, r.name);
  if (auth_.type == AuthType::kApiKey && !auth_.key_in_query)
    headers_.push_back(auth_.key_name + ": " + auth_.key_value);
  if (auth_.type == AuthType::kBearer) headers_.push_back("Authorization: Bearer " + auth_.token);
  bool accept = false;
  for (const auto& [name, value] : r.rest.headers) accept = accept || iequals(name, "accept");
  if (!accept) headers_.push_back("Accept: application/json");
}

HttpReply RestClient::get(const std::string& url, std::int64_t page) {
  HttpRequest request;
  request.url = url;
  if (auth_.type == AuthType::kApiKey && auth_.key_in_query)
    request.url = url_with_params(url, {{auth_.key_name, auth_.key_value}});
  request.headers = headers_;
  if (auth_.type == AuthType::kOAuth2ClientCredentials)
    request.headers.push_back("Authorization: Bearer " + bearer_token());
  if (auth_.type == AuthType::kBasic) {
    request.user = auth_.username;
    request.password = auth_.password;
  }
  request.timeout = r_.rest.timeout;
  return send(std::move(request), fmt::format("page {}", page));
}

std::string RestClient::bearer_token() {
  if (!oauth_token_.empty() && std::chrono::steady_clock::now() < oauth_expires_) return oauth_token_;
  HttpRequest request;
  request.method = "POST";
  request.url = auth_.token_url;
  request.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  request.body = "grant_type=client_credentials&client_id=" + percent_encode(auth_.client_id) +
                 "&client_secret=" + percent_encode(auth_.client_secret);
  if (!auth_.scope.empty()) request.body += "&scope=" + percent_encode(auth_.scope);
  request.timeout = r_.rest.timeout;
  HttpReply reply = send(std::move(request), "the OAuth2 token request");
  nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
  if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string())
    throw UserError("ingest resource '" + r_.name + "': the OAuth2 token endpoint " +
                        secrets_.redact(auth_.token_url) + " answered without an access_token",
                    "check auth: token_url (it must answer JSON with access_token)", ExitCode::kStepFailed);
  oauth_token_ = body["access_token"].get<std::string>();
  secrets_.add(oauth_token_);
  std::int64_t expires = 3600;
  if (body.contains("expires_in") && body["expires_in"].is_number_integer())
    expires = body["expires_in"].get<std::int64_t>();
  // Renew a little early, so that a token does not expire between being read and being checked.
  oauth_expires_ =
      std::chrono::steady_clock::now() + std::chrono::seconds(std::max<std::int64_t>(expires - 30, 1));
  return oauth_token_;
}

HttpReply RestClient::send(HttpRequest request, const std::string& what) {
  std::chrono::milliseconds wait = r_.rest.backoff;
  for (int attempt = 0;; ++attempt) {
    ++requests_;
    std::string problem;
    std::optional<std::chrono::milliseconds> asked;
    HttpReply reply;
    try {
      reply = session_.perform(request);
      if (reply.status >= 200 && reply.status < 300) return reply;
      if (!retryable(reply.status)) fail_status(reply, what, request.method + " " + request.url);
      problem = fmt::format("answered {}{}", reply.status, reason(reply.status));
      if (auto it = reply.headers.find("retry-after"); it != reply.headers.end())
        asked = retry_after(it->second);
    } catch (const TransportError& e) {
      problem =
          e.timed_out() ? fmt::format("timed out after {} ms (timeout:)", r_.rest.timeout.count()) : e.what();
      problem = secrets_.redact(problem);
    }
    if (attempt >= r_.rest.retries) {
      std::string message = fmt::format("ingest resource '{}': {}: {} {} {}", r_.name, what, request.method,
                                        secrets_.redact(request.url), problem);
      if (attempt) message += fmt::format(" (after {} retries)", attempt);
      if (reply.status && !reply.body.empty()) message += ": " + secrets_.redact(snippet(reply.body));
      throw UserError(message, "the server kept failing; raise retries: or timeout: if it is only slow",
                      ExitCode::kStepFailed);
    }
    // The server's Retry-After wins over the backoff (also when it is shorter: it knows).
    std::chrono::milliseconds pause = std::min(asked ? *asked : wait, kMaxWait);
    log::warn("ingest {}: {}: {}; retrying in {} ms ({} of {})", r_.name, what, problem, pause.count(),
              attempt + 1, r_.rest.retries);
    ++retries_;
    std::this_thread::sleep_for(pause);
    wait *= 2;
  }
}

void RestClient::fail_status(const HttpReply& reply, const std::string& what, const std::string& url) const {
  std::string hint;
  if (reply.status == 401 || reply.status == 403)
    hint = "check the credentials (auth:) and the environment variables they name";
  else if (reply.status == 404)
    hint = "check base_url and path (or url)";
  else
    hint = "check params and headers";
  std::string message = fmt::format("ingest resource '{}': {}: {} answered {}{}", r_.name, what,
                                    secrets_.redact(url), reply.status, reason(reply.status));
  if (!reply.body.empty()) message += ": " + secrets_.redact(snippet(reply.body));
  throw UserError(message, hint, ExitCode::kStepFailed);
}

}  // namespace pond::ingest
