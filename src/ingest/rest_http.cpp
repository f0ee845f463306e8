#include "ingest/rest_http.hpp"

#include <curl/curl.h>

#include <mutex>

#include "common/build_info.hpp"
#include "common/text.hpp"
#include "ingest/secrets.hpp"

namespace pond::ingest {

namespace {

void global_init() {
  // curl_global_init is not thread-safe; run it once per process.
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<HttpReply*>(user)->body.append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* reply = static_cast<HttpReply*>(user);
  std::string_view line(data, size * count);
  // Each response of a redirect chain starts with its status line: keep only the last one's headers.
  if (line.starts_with("HTTP/")) reply->headers.clear();
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = to_lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    auto [it, fresh] = reply->headers.emplace(name, value);
    if (!fresh) it->second += ", " + value;
  }
  return size * count;
}

struct CurlUrl {
  CURLU* h = curl_url();
  ~CurlUrl() { curl_url_cleanup(h); }
  CurlUrl() = default;
  CurlUrl(const CurlUrl&) = delete;
  CurlUrl& operator=(const CurlUrl&) = delete;

  void set(const std::string& url, unsigned flags = 0) {
    if (CURLUcode rc = curl_url_set(h, CURLUPART_URL, url.c_str(), flags | CURLU_NON_SUPPORT_SCHEME))
      throw std::invalid_argument("'" + url + "' is not a URL (" + curl_url_strerror(rc) + ")");
  }
  std::string get() const {
    char* out = nullptr;
    if (CURLUcode rc = curl_url_get(h, CURLUPART_URL, &out, 0))
      throw std::invalid_argument(std::string("cannot build the URL: ") + curl_url_strerror(rc));
    std::string s(out);
    curl_free(out);
    return s;
  }
};

}  // namespace

struct HttpSession::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

HttpSession::HttpSession() : handle_(std::make_unique<Handle>()) {
  global_init();
  handle_->curl = curl_easy_init();
  if (!handle_->curl) throw std::runtime_error("libcurl failed to initialise");
}

HttpSession::~HttpSession() = default;

HttpReply HttpSession::perform(const HttpRequest& request) {
  CURL* c = handle_->curl;
  curl_easy_reset(c);  // keeps the connection cache, forgets the last request's options
  HttpReply reply;
  char error[CURL_ERROR_SIZE] = {0};
  std::string agent = "pond/" + std::string(pond_version());
  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  struct Free {
    curl_slist* l;
    ~Free() { curl_slist_free_all(l); }
  } free_headers{headers};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // gzip and deflate: cheap for any server to produce (a brotli-capable server may compress
  // each page at quality 11, which costs it more than the transfer saves).
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (!request.user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, request.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.password.c_str());
  }
  if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    throw TransportError(error[0] ? error : curl_easy_strerror(rc), rc == CURLE_OPERATION_TIMEDOUT);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

std::string url_with_params(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& params) {
  if (params.empty()) return url;
  std::string query;
  for (const auto& [k, v] : params)
    query += (query.empty() ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
  auto hash = url.find('#');
  std::string base = url.substr(0, hash);
  std::string fragment = hash == std::string::npos ? "" : url.substr(hash);
  char sep =
      base.find('?') == std::string::npos ? '?' : (base.ends_with('?') || base.ends_with('&') ? '\0' : '&');
  return base + (sep ? std::string(1, sep) : "") + query + fragment;
}

std::string resolve_url(const std::string& base, const std::string& ref) {
  global_init();
  CurlUrl u;
  u.set(base);
  u.set(ref);  // a relative reference resolves against the URL already set
  return u.get();
}

std::string next_link(const std::string& header) {
  // <url>; rel="next"; title="x", <url2>; rel="last"  (URLs may hold commas: split on '<')
  std::size_t i = 0;
  while ((i = header.find('<', i)) != std::string::npos) {
    std::size_t close = header.find('>', i);
    if (close == std::string::npos) return "";
    std::string url = header.substr(i + 1, close - i - 1);
    std::size_t end = header.find('<', close);
    std::string attrs =
        to_lower(header.substr(close + 1, end == std::string::npos ? std::string::npos : end - close - 1));
    for (const auto& part : split(attrs, ';')) {
      std::string_view p = trim(part);
      if (!p.starts_with("rel")) continue;
      auto eq = p.find('=');
      if (eq == std::string_view::npos) continue;
      // The value up to the link's end: `"next"`, `next`, or `"prev next"` (a comma ends the link).
      std::string_view v = trim(p.substr(eq + 1));
      if (!v.empty() && v.front() == '"') {
        auto q = v.find('"', 1);
        v = v.substr(1, q == std::string_view::npos ? std::string_view::npos : q - 1);
      } else if (auto comma = v.find(','); comma != std::string_view::npos) {
        v = trim(v.substr(0, comma));
      }
      for (const auto& rel : split(v, ' '))
        if (rel == "next") return url;
    }
    i = close;
  }
  return "";
}

}  // namespace pond::ingest
