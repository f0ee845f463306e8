// Scopes: the name mask must cover every binding through pushes, in-place sets, truncation (loop
// bodies between iterations), clearing and pooled storage; names of another template (same text,
// other address) must still match.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jinja/interp.hpp"

namespace pond::jinja {
namespace {

// Many names, so that several share a mask bit.
std::vector<std::string> make_names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("name_" + std::to_string(i));
  return names;
}

TEST(Scope, FindsEveryBindingAndNothingElse) {
  auto names = make_names(200);
  Scope s;
  for (int i = 0; i < 100; ++i) s.set(name_hash(names[i]), names[i], Value(std::int64_t{i}));
  for (int i = 0; i < 100; ++i) {
    Value* v = s.find(name_hash(names[i]), names[i]);
    ASSERT_NE(v, nullptr) << names[i];
    EXPECT_EQ(v->as_int(), i);
  }
  for (int i = 100; i < 200; ++i) EXPECT_EQ(s.find(name_hash(names[i]), names[i]), nullptr) << names[i];
  // set on an existing name assigns in place
  s.set(name_hash(names[7]), names[7], Value(std::int64_t{-7}));
  EXPECT_EQ(s.vars.size(), 100u);
  EXPECT_EQ(s.find(name_hash(names[7]), names[7])->as_int(), -7);
}

TEST(Scope, SameTextAtAnotherAddressMatches) {
  Scope s;
  std::string bound = "columns";
  std::string other = "columns";  // another template's copy of the name
  s.set(name_hash(bound), bound, Value(true));
  ASSERT_NE(bound.data(), other.data());
  EXPECT_NE(s.find(name_hash(other), other), nullptr);
  std::string prefix = "column";
  EXPECT_EQ(s.find(name_hash(prefix), prefix), nullptr);
}

TEST(Scope, TruncateAndClearKeepTheMaskExact) {
  auto names = make_names(80);
  Scope s;
  for (int i = 0; i < 80; ++i) s.vars.push_back(Var{name_hash(names[i]), names[i], Value(std::int64_t{i})});
  s.vars.truncate(3);
  EXPECT_EQ(s.vars.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NE(s.find(name_hash(names[i]), names[i]), nullptr);
  for (int i = 3; i < 80; ++i) EXPECT_EQ(s.find(name_hash(names[i]), names[i]), nullptr);
  std::uint64_t expected = 0;
  for (int i = 0; i < 3; ++i) expected |= name_bit(name_hash(names[i]));
  EXPECT_EQ(s.vars.mask(), expected);
  s.vars.truncate(10);  // no-op when shorter
  EXPECT_EQ(s.vars.size(), 3u);
  s.vars.clear();
  EXPECT_EQ(s.vars.mask(), 0u);
  EXPECT_EQ(s.find(name_hash(names[0]), names[0]), nullptr);
}

TEST(Scope, PooledStorageStartsEmpty) {
  auto names = make_names(5);
  Scope s;
  for (int i = 0; i < 5; ++i) s.set(name_hash(names[i]), names[i], Value());
  std::vector<Var> storage = s.vars.release();
  EXPECT_EQ(s.vars.mask(), 0u);
  EXPECT_TRUE(s.vars.empty());
  storage.clear();
  Scope t;
  t.vars.adopt(std::move(storage));
  EXPECT_EQ(t.find(name_hash(names[0]), names[0]), nullptr);
  t.set(name_hash(names[1]), names[1], Value(std::int64_t{1}));
  EXPECT_NE(t.find(name_hash(names[1]), names[1]), nullptr);
}

}  // namespace
}  // namespace pond::jinja
