#include "ingest/rest_fetch.hpp"

#include <fmt/format.h>

#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "ingest/rest_client.hpp"
#include "ingest/rest_http.hpp"
#include "ingest/secrets.hpp"

namespace pond::ingest {

using nlohmann::json;

const json* json_at(const json& doc, std::string_view path) {
  const json* at = &doc;
  if (path.empty()) return at;
  for (const auto& key : split(path, '.')) {
    if (at->is_object()) {
      auto it = at->find(key);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
               key.size() < 10) {
      std::size_t i = std::stoul(key);
      if (i >= at->size()) return nullptr;
      at = &(*at)[i];
    } else {
      return nullptr;
    }
  }
  return at;
}

std::optional<int> compare_cursor(const json& a, const json& b) {
  auto sign = [](auto x, auto y) { return x < y ? -1 : y < x ? 1 : 0; };
  if (a.is_number_integer() && b.is_number_integer()) {
    if (a.is_number_unsigned() || b.is_number_unsigned()) {
      if (a.is_number_unsigned() && b.is_number_unsigned())
        return sign(a.get<std::uint64_t>(), b.get<std::uint64_t>());
      return a.is_number_unsigned() ? 1 : -1;  // an unsigned value is above every negative one
    }
    return sign(a.get<std::int64_t>(), b.get<std::int64_t>());
  }
  if (a.is_number() && b.is_number()) return sign(a.get<double>(), b.get<double>());
  if (a.is_string() && b.is_string())
    return sign(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
  return std::nullopt;
}

std::string cursor_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

namespace {

const char* kind(const json& v) {
  return v.is_string()   ? "a string"
         : v.is_number() ? "a number"
         : v.is_null()   ? "null"
         : v.is_array()  ? "a list"
         : v.is_object() ? "an object"
                         : "a boolean";
}

class Fetcher {
 public:
  Fetcher(const ResourceConfig& r, const std::optional<json>& last, const std::filesystem::path& out,
          LoadProgress* progress)
      : r_(r),
        p_(r.rest.paginator),
        client_(r, secrets_),
        out_(out, std::ios::binary | std::ios::trunc),
        progress_(progress) {
    if (!out_) throw std::runtime_error("cannot write " + out.string());
    base_ = secrets_.expand(r.rest.url, r.name);
    for (const auto& [k, v] : r.rest.params) params_.emplace_back(k, secrets_.expand(v, r.name));
    if (const auto& inc = r.rest.incremental) {
      // Past the last value (merge: from it, a row of that value may have changed); the first
      // load from `initial:` on.
      if (last) {
        threshold_ = *last;
        inclusive_ = keyed(r.write);
      } else if (inc->initial) {
        threshold_ = json::parse(*inc->initial);
        inclusive_ = true;
      }
      if (threshold_ && !inc->param.empty()) params_.emplace_back(inc->param, cursor_text(*threshold_));
    }
    // Pages known ahead (offset, page) are requested up to `parallel` at a time, each worker on
    // its own connection; they are still written in page order.
    bool ahead = p_.type == PaginatorType::kOffset || p_.type == PaginatorType::kPage;
    if (ahead && r.rest.parallel > 1)
      for (int i = 0; i < r.rest.parallel; ++i) workers_.push_back(std::make_unique<RestClient>(r, secrets_));
  }

  RestFetch run() {
    std::int64_t offset = p_.start;
    std::int64_t page_no = p_.type == PaginatorType::kPage ? p_.start : 0;
    std::string next;  // cursor: the next cursor; link, next_url: the next URL
    for (std::int64_t page = 1;; ++page) {
      std::string url;
      switch (p_.type) {
        case PaginatorType::kNone:
          url = url_with_params(base_, params_);
          break;
        case PaginatorType::kOffset:
        case PaginatorType::kPage:
          url = page_url(page);
          break;
        case PaginatorType::kCursor:
          url = page == 1 ? with({}) : with({{p_.cursor_param, next}});
          break;
        case PaginatorType::kLinkHeader:
        case PaginatorType::kNextUrl:
          url = page == 1 ? with({}) : next;
          break;
      }
      HttpReply reply = fetch(page, url);
      result_.pages = page;
      result_.bytes += static_cast<std::int64_t>(reply.body.size());
      if (progress_) progress_->add(0, static_cast<std::int64_t>(reply.body.size()));
      json body = json::parse(reply.body, nullptr, false);
      if (body.is_discarded()) {
        std::string why;
        try {
          json again = json::parse(reply.body);
          why = "parsed on a second try";
        } catch (const json::parse_error& e) {
          why = e.what();
        }
        fail(page, url, "the body is not JSON (" + why + ")", "the API must answer JSON");
      }
      std::int64_t written_before = result_.records;
      std::size_t count = write_records(body, page, url);
      if (progress_) progress_->add(result_.records - written_before, 0);
      if (p_.max_pages > 0 && page >= p_.max_pages) break;
      bool more = false;
      switch (p_.type) {
        case PaginatorType::kNone:
          break;
        case PaginatorType::kOffset:
        case PaginatorType::kPage: {
          // An API that ignores the page parameter answers the same page forever.
          if (count > 0 && page > 1 && reply.body == previous_body_)
            fail(page, url,
                 fmt::format("the paginator loops: page {} is the same as page {}", page, page - 1),
                 "the API ignores the '" +
                     (p_.type == PaginatorType::kOffset ? p_.offset_param : p_.page_param) +
                     "' parameter; check paginator:");
          more = count > 0;
          if (p_.type == PaginatorType::kOffset) {
            offset += p_.limit;
            if (more && !p_.total_path.empty()) more = offset < total(body, page, url);
          } else {
            if (more && !p_.total_path.empty()) more = page_no < total(body, page, url);
            ++page_no;
          }
          break;
        }
        case PaginatorType::kCursor: {
          const json* c = json_at(body, p_.cursor_path);
          more = c && !c->is_null() && !(c->is_string() && c->get_ref<const std::string&>().empty());
          if (more) {
            if (!c->is_string() && !c->is_number())
              fail(page, url, "the next cursor at '" + p_.cursor_path + "' is " + kind(*c) + ", not a string",
                   "paginator: cursor: must name the next cursor in the body");
            next = cursor_text(*c);
            looped(page, url, "next cursor", next);
          }
          break;
        }
        case PaginatorType::kLinkHeader: {
          auto it = reply.headers.find("link");
          std::string link = it == reply.headers.end() ? "" : next_link(it->second);
          more = !link.empty();
          if (more) {
            next = resolve(url, link, page);
            looped(page, url, "next link", next);
          }
          break;
        }
        case PaginatorType::kNextUrl: {
          const json* n = json_at(body, p_.next_path);
          more = n && !n->is_null() && !(n->is_string() && n->get_ref<const std::string&>().empty());
          if (more) {
            if (!n->is_string())
              fail(page, url, "the next URL at '" + p_.next_path + "' is " + kind(*n) + ", not a string",
                   "paginator: next: must name the next page's URL in the body");
            next = resolve(url, n->get<std::string>(), page);
            looped(page, url, "next URL", next);
          }
          break;
        }
      }
      if (!more) break;
      previous_body_ = std::move(reply.body);
    }
    out_.flush();
    if (!out_) throw std::runtime_error("cannot write the records of ingest resource '" + r_.name + "'");
    result_.requests = client_.requests();
    result_.retries = client_.retries();
    ahead_.clear();  // waits for requests past the last page
    for (const auto& w : workers_) {
      result_.requests += w->requests();
      result_.retries += w->retries();
    }
    return result_;
  }

 private:
  // The URL of page `page` (1-based) of an offset or page paginator.
  std::string page_url(std::int64_t page) const {
    if (p_.type == PaginatorType::kOffset)
      return with({{p_.offset_param, std::to_string(p_.start + (page - 1) * p_.limit)},
                   {p_.limit_param, std::to_string(p_.limit)}});
    return with({{p_.page_param, std::to_string(p_.start + page - 1)}});
  }

  // Page `page`: requested now, or (parallel) taken from the requests under way, which are
  // topped up to `parallel` pages ahead first. Page p runs on worker p % parallel, whose page
  // p - parallel was taken already.
  HttpReply fetch(std::int64_t page, const std::string& url) {
    if (workers_.empty()) return client_.get(url, page);
    auto n = static_cast<std::int64_t>(workers_.size());
    for (std::int64_t q = page; q < page + n; ++q) {
      if (ahead_.count(q) || (p_.max_pages > 0 && q > p_.max_pages)) continue;
      RestClient* worker = workers_[static_cast<std::size_t>(q % n)].get();
      ahead_.emplace(
          q, std::async(std::launch::async, [worker, q, u = page_url(q)] { return worker->get(u, q); }));
    }
    auto it = ahead_.find(page);
    HttpReply reply = it->second.get();
    ahead_.erase(it);
    return reply;
  }

  std::string with(std::vector<std::pair<std::string, std::string>> extra) const {
    std::vector<std::pair<std::string, std::string>> all = params_;
    for (auto& e : extra) all.push_back(std::move(e));
    return url_with_params(base_, all);
  }

  [[noreturn]] void fail(std::int64_t page, const std::string& url, const std::string& what,
                         const std::string& hint) const {
    throw UserError(
        secrets_.redact(fmt::format("ingest resource '{}': page {} (GET {}): {}", r_.name, page, url, what)),
        hint, ExitCode::kStepFailed);
  }

  // The same next cursor or URL twice: the API would be read round and round.
  void looped(std::int64_t page, const std::string& url, const char* what, const std::string& value) {
    auto [it, fresh] = seen_.emplace(value, page);
    if (!fresh)
      fail(page, url,
           fmt::format("the paginator loops: page {} gives the {} '{}' that page {} gave already", page, what,
                       value, it->second),
           "the API repeats itself; check paginator: (and max_pages:)");
  }

  std::string resolve(const std::string& url, const std::string& ref, std::int64_t page) const {
    try {
      return resolve_url(url, ref);
    } catch (const std::invalid_argument& e) {
      fail(page, url, std::string("the next page's URL: ") + e.what(), "check paginator:");
    }
  }

  std::int64_t total(const json& body, std::int64_t page, const std::string& url) const {
    const json* t = json_at(body, p_.total_path);
    if (!t || !t->is_number_integer())
      fail(page, url, "no whole number at '" + p_.total_path + "' (paginator total)",
           "paginator: total: must name the total count in the body");
    return t->get<std::int64_t>();
  }

  // Writes the page's records (those past the cursor threshold); returns how many the page held.
  std::size_t write_records(const json& body, std::int64_t page, const std::string& url) {
    const json* list = json_at(body, r_.rest.records);
    if (list && list->is_null()) return 0;  // some APIs say "no records" with null
    if (!list || !list->is_array()) {
      std::string keys;
      if (body.is_object())
        for (const auto& [k, v] : body.items()) keys += (keys.empty() ? "" : ", ") + k;
      std::string where = keys.empty() ? "" : " (the body's keys: " + keys + ")";
      if (r_.rest.records.empty())
        fail(page, url, std::string("the body is ") + kind(body) + ", not a list of records",
             "set records: to the path of the list" + where);
      if (!list)
        fail(page, url, "no '" + r_.rest.records + "' in the body",
             "records: names the path of the list" + where);
      fail(page, url, "'" + r_.rest.records + "' is " + kind(*list) + ", not a list of records",
           "records: names the path of the list" + where);
    }
    const auto& inc = r_.rest.incremental;
    page_first_ = result_.records;  // records before this page's
    std::size_t index = 0;
    for (const json& record : *list) {
      ++index;
      if (inc) {
        const json* c = json_at(record, inc->cursor);
        if (!c || c->is_null() || !(c->is_string() || c->is_number()))
          fail(page, url,
               fmt::format("record {} has no cursor '{}' ({})", index, inc->cursor, c ? kind(*c) : "missing"),
               "incremental: cursor: must name a string or number of every record");
        if (threshold_) {
          std::optional<int> cmp = compare_cursor(*c, *threshold_);
          if (!cmp)
            fail(page, url,
                 fmt::format("record {}: cursor '{}' is {} but the last value ({}) is {}", index, inc->cursor,
                             kind(*c), threshold_->dump(), kind(*threshold_)),
                 "the cursor's type changed; fix incremental: initial: or the API");
          if (*cmp < 0 || (*cmp == 0 && !inclusive_)) {
            ++result_.skipped;
            continue;
          }
        }
        if (!result_.max_cursor || compare_cursor(*c, *result_.max_cursor).value_or(1) > 0) {
          if (result_.max_cursor && !compare_cursor(*c, *result_.max_cursor))
            fail(page, url,
                 fmt::format("record {}: cursor '{}' is {}, earlier records' {}", index, inc->cursor,
                             kind(*c), kind(*result_.max_cursor)),
                 "every record's cursor must be of one type");
          result_.max_cursor = *c;
        }
      }
      if (result_.page_starts.empty() || result_.page_starts.back().first <= page_first_)
        result_.page_starts.emplace_back(result_.records + 1, secrets_.redact(url));
      const json line = record.is_object() ? record : json{{"value", record}};
      out_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      ++result_.records;
    }
    return list->size();
  }

  std::int64_t page_first_ = 0;
  const ResourceConfig& r_;
  const Paginator& p_;
  Secrets secrets_;
  RestClient client_;
  std::vector<std::unique_ptr<RestClient>> workers_;      // parallel: one per request at a time
  std::map<std::int64_t, std::future<HttpReply>> ahead_;  // page -> its request under way
  std::ofstream out_;
  std::string base_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::optional<json> threshold_;
  bool inclusive_ = false;
  std::map<std::string, std::int64_t> seen_;  // next cursor/URL -> the page that gave it
  std::string previous_body_;
  RestFetch result_;
  LoadProgress* progress_;  // may be null
};

}  // namespace

RestFetch fetch_rest(const ResourceConfig& r, const std::optional<json>& last_cursor,
                     const std::filesystem::path& out, LoadProgress* progress) {
  Fetcher f(r, last_cursor, out, progress);
  RestFetch result = f.run();
  log::debug("ingest {}: {} page(s), {} request(s), {} record(s)", r.name, result.pages, result.requests,
             result.records);
  return result;
}

}  // namespace pond::ingest
