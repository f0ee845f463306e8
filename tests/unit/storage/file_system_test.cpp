#include "storage/file_system.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pond::storage {

TEST(LocalFileSystem, ListsSizesAndRemovesFiles) {
  test::TempDir dir;
  LocalFileSystem fs(dir.path());
  test::write_file(dir / "a/b/one.parquet", "12345");
  test::write_file(dir / "two.txt", "ab");
  auto files = fs.list("");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].relative_path, "a/b/one.parquet");
  EXPECT_EQ(files[0].size, 5u);
  EXPECT_TRUE(fs.exists("two.txt"));
  EXPECT_EQ(fs.size("two.txt"), 2u);
  fs.remove("two.txt");
  fs.remove("two.txt");  // idempotent
  EXPECT_FALSE(fs.exists("two.txt"));
  EXPECT_EQ(fs.list("a").size(), 1u);
  EXPECT_TRUE(fs.list("missing").empty());
}

TEST(LocalFileSystem, JoinsPathsAndChecksWritability) {
  EXPECT_EQ(join_path("a/", "b"), "a/b");
  EXPECT_EQ(join_path("a", "b"), "a/b");
  EXPECT_EQ(join_path("a/", "/b"), "a/b");
  EXPECT_EQ(join_path("", "b"), "b");
  test::TempDir dir;
  LocalFileSystem fs(dir.path());
  EXPECT_NO_THROW(fs.check_writable("new/folder"));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "new/folder"));
  LocalFileSystem bad("/proc/pond-cannot-write-here");
  EXPECT_THROW(bad.check_writable(""), std::runtime_error);
}

}  // namespace pond::storage
