#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <stdexcept>

#include "common/error.hpp"
#include "common/file_write.hpp"
#include "common/parallel.hpp"
#include "common/scope_guard.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "support/temp_dir.hpp"

namespace pond {
namespace {

TEST(Uuid, Version4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = random_uuid();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(ParallelFor, RunsEveryItemAndRethrowsTheFirstError) {
  std::vector<int> hit(1000, 0);
  parallel_for(hit.size(), 4, [&](std::size_t i) { hit[i]++; });
  for (int h : hit) EXPECT_EQ(h, 1);
  std::atomic<int> ran{0};
  try {
    parallel_for(100, 3, [&](std::size_t i) {
      ++ran;
      if (i == 7 || i == 50) throw std::runtime_error("item " + std::to_string(i));
    });
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "item 7");
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(FileWrite, ReplacesAtomicallyAndLeavesNoTemporary) {
  test::TempDir dir;
  auto path = dir.path() / "sub" / "out.json";
  write_file_atomically(path, std::string_view("one"));
  write_file_atomically(path, std::string_view("two"));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "two");
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path() / "sub")) ++files;
  EXPECT_EQ(files, 1);
}

TEST(ScopeGuard, RunsOnExitUnlessDismissed) {
  int n = 0;
  {
    ScopeGuard g([&] { ++n; });
  }
  {
    ScopeGuard g([&] { ++n; });
    g.dismiss();
  }
  EXPECT_EQ(n, 1);
  try {
    OnFailure f([&] { n += 10; });
    throw std::runtime_error("x");
  } catch (const std::runtime_error&) {
  }
  {
    OnFailure f([&] { n += 100; });
  }
  EXPECT_EQ(n, 11);
}

TEST(Quoting, DoublesQuotes) {
  EXPECT_EQ(quote_identifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_literal("it's"), "'it''s'");
  EXPECT_TRUE(iequals("Orders", "oRDERS"));
  EXPECT_FALSE(iequals("Orders", "Order"));
}

TEST(InternalError, AssertionNamesThePlace) {
  try {
    POND_ASSERT(1 + 1 == 3, "arithmetic");
    FAIL();
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("internal error: arithmetic"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("helpers_test.cpp"), std::string::npos);
  }
}

}  // namespace
}  // namespace pond
