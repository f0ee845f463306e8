#include "storage/glob.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pond::storage {

TEST(Glob, MatchesWithinSegmentsAndDoubleStarAcrossThem) {
  EXPECT_TRUE(glob_match("*.csv", "a.csv"));
  EXPECT_FALSE(glob_match("*.csv", "sub/a.csv"));  // * stays in its segment
  EXPECT_FALSE(glob_match("*.csv", "a.csv.gz"));
  EXPECT_TRUE(glob_match("day-?.csv", "day-1.csv"));
  EXPECT_TRUE(glob_match("[ab].csv", "b.csv"));
  EXPECT_FALSE(glob_match("[ab].csv", "c.csv"));
  EXPECT_TRUE(glob_match("**/*.csv", "a.csv"));  // ** may be no segment
  EXPECT_TRUE(glob_match("**/*.csv", "x/y/z/a.csv"));
  EXPECT_TRUE(glob_match("x/**/a.csv", "x/a.csv"));
  EXPECT_TRUE(glob_match("x/**/a.csv", "x/1/2/a.csv"));
  EXPECT_FALSE(glob_match("x/**/a.csv", "y/1/a.csv"));
  EXPECT_FALSE(glob_match("x/*/a.csv", "x/1/2/a.csv"));
  EXPECT_EQ(glob_folder("landing/a/*.csv"), "landing/a/");
  EXPECT_EQ(glob_folder("landing/a*/x.csv"), "landing/");
  EXPECT_EQ(glob_folder("*.csv"), "");
  EXPECT_EQ(glob_folder("/abs/**/x.csv"), "/abs/");
  EXPECT_TRUE(is_glob("a/*.csv"));
  EXPECT_FALSE(is_glob("a/b.csv"));
}

TEST(Glob, ListsTheFolderOfAPatternOnAFileSystem) {
  test::TempDir dir;
  LocalFileSystem files(dir.path());
  test::write_file(dir / "landing/2026/01.csv", "a");
  test::write_file(dir / "landing/2026/02.csv", "bb");
  test::write_file(dir / "landing/2026/notes.txt", "c");
  test::write_file(dir / "landing/top.csv", "d");
  test::write_file(dir / "other/x.csv", "e");
  auto matched = glob(files, "landing/**/*.csv");
  ASSERT_EQ(matched.size(), 3u);
  EXPECT_EQ(matched[0].relative_path, "landing/2026/01.csv");
  EXPECT_EQ(matched[1].relative_path, "landing/2026/02.csv");
  EXPECT_EQ(matched[1].size, 2u);
  EXPECT_EQ(matched[2].relative_path, "landing/top.csv");
  EXPECT_EQ(glob(files, "landing/*/0?.csv").size(), 2u);
  EXPECT_TRUE(glob(files, "missing/*.csv").empty());
  EXPECT_TRUE(files.folder_exists("landing"));
  EXPECT_FALSE(files.folder_exists("missing"));
  auto one = files.stat("landing/top.csv");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size, 1u);
  EXPECT_EQ(one->modified, matched[2].modified);  // exact times: list and stat agree
  EXPECT_FALSE(files.stat("landing"));            // a folder is not a file
}

}  // namespace pond::storage
