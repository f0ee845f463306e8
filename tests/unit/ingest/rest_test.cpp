// The pieces of REST ingestion that need no server: Link headers, URLs, JSON paths, cursor
// order, Retry-After, environment templates and the redaction of secrets.
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.hpp"
#include "ingest/rest_client.hpp"
#include "ingest/rest_fetch.hpp"
#include "ingest/rest_http.hpp"
#include "ingest/secrets.hpp"

namespace pond::ingest {
namespace {

using nlohmann::json;

TEST(RestHttp, NextLinkOfALinkHeader) {
  EXPECT_EQ(next_link("<https://a.io/x?page=2>; rel=\"next\", <https://a.io/x?page=9>; rel=\"last\""),
            "https://a.io/x?page=2");
  EXPECT_EQ(next_link("<https://a.io/x?page=1>; rel=\"prev\", <https://a.io/x?page=3>; rel=\"next\""),
            "https://a.io/x?page=3");
  EXPECT_EQ(next_link("</items?a=1,2>; REL=\"Next\"; title=\"x\""), "/items?a=1,2");
  EXPECT_EQ(next_link("<https://a.io/x?page=9>; rel=\"last\""), "");
  EXPECT_EQ(next_link("</x?p=2>; rel=next, </x?p=9>; rel=last"), "/x?p=2");
  EXPECT_EQ(next_link(""), "");
}

TEST(RestHttp, ParamsAreEncodedAndAppended) {
  EXPECT_EQ(url_with_params("http://h/x", {{"a", "1"}, {"b c", "d&e/é"}}),
            "http://h/x?a=1&b%20c=d%26e%2F%C3%A9");
  EXPECT_EQ(url_with_params("http://h/x?k=v", {{"a", "1"}}), "http://h/x?k=v&a=1");
  EXPECT_EQ(url_with_params("http://h/x", {}), "http://h/x");
  EXPECT_EQ(resolve_url("http://h:8/a/b?x=1", "/c?page=2"), "http://h:8/c?page=2");
  EXPECT_EQ(resolve_url("http://h:8/a/b?x=1", "https://o/z"), "https://o/z");
}

TEST(RestFetch, JsonPathsAndCursorOrder) {
  json doc = json::parse(R"({"data": {"items": [1, {"x": 2}]}, "n": null})");
  EXPECT_EQ(*json_at(doc, "data.items.1.x"), 2);
  EXPECT_TRUE(json_at(doc, "n")->is_null());
  EXPECT_EQ(json_at(doc, "data.nothing"), nullptr);
  EXPECT_EQ(json_at(doc, ""), &doc);
  EXPECT_EQ(compare_cursor(json(2), json(10)), -1);
  EXPECT_EQ(compare_cursor(json(2.5), json(2)), 1);
  EXPECT_EQ(compare_cursor(json("2024-01-02T00:00:00Z"), json("2024-01-02T00:00:00Z")), 0);
  EXPECT_EQ(compare_cursor(json(18446744073709551615ull), json(-1)), 1);
  EXPECT_EQ(compare_cursor(json("1"), json(1)), std::nullopt);
  EXPECT_EQ(cursor_text(json("2024-01-02")), "2024-01-02");
  EXPECT_EQ(cursor_text(json(42)), "42");
}

TEST(RestClient, RetryAfterInSecondsOrAsADate) {
  EXPECT_EQ(retry_after("3"), std::chrono::milliseconds(3000));
  EXPECT_EQ(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::chrono::milliseconds(0));  // in the past
  EXPECT_EQ(retry_after("soon"), std::nullopt);
}

TEST(Secrets, TemplatesNameVariablesAndTheirValuesAreRedacted) {
  EXPECT_EQ(template_variables("Bearer ${TOKEN} and ${A_2}"), (std::vector<std::string>{"TOKEN", "A_2"}));
  EXPECT_TRUE(template_variables("no $ vars").empty());
  EXPECT_THROW(template_variables("${1X}"), std::invalid_argument);
  EXPECT_THROW(template_variables("${OPEN"), std::invalid_argument);
  ::setenv("POND_TEST_SECRET", "p@ss word", 1);
  Secrets s;
  EXPECT_EQ(s.expand("u=${POND_TEST_SECRET}!", "res"), "u=p@ss word!");
  EXPECT_EQ(s.redact("GET http://h/?k=p%40ss%20word and p@ss word"), "GET http://h/?k=*** and ***");
  ::unsetenv("POND_TEST_NOT_SET");
  try {
    s.expand("${POND_TEST_NOT_SET}", "res");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(e.message(), "ingest resource 'res': the environment variable POND_TEST_NOT_SET is not set");
    EXPECT_EQ(e.exit_code(), ExitCode::kStepFailed);
  }
}

}  // namespace
}  // namespace pond::ingest
