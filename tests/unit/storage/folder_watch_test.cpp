#include "storage/folder_watch.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.hpp"

namespace pond::storage {

namespace fs = std::filesystem;

namespace {

FolderWatch open_or_fail(const fs::path& folder) {
  std::string why;
  auto w = FolderWatch::open(folder, &why);
  if (!w) throw std::runtime_error("no watch on " + folder.string() + ": " + why);
  return std::move(*w);
}

}  // namespace

TEST(FolderWatch, ReportsFilesWrittenCreatedMovedInAndTouched) {
  test::TempDir dir;
  test::write_file(dir / "landing/sub/old.csv", "a");
  test::write_file(dir / "landing/keep.csv", "k");
  FolderWatch w = open_or_fail(dir / "landing");
  EXPECT_TRUE(w.drain().paths.empty());

  test::write_file(dir / "landing/new.csv", "b");
  test::write_file(dir / "landing/sub/old.csv", "changed");
  test::write_file(dir / "elsewhere.csv", "c");
  fs::rename(dir / "elsewhere.csv", dir / "landing/sub/moved.csv");
  FolderChanges c = w.drain();
  EXPECT_FALSE(c.relist);
  EXPECT_EQ(c.paths, (std::set<std::string>{"new.csv", "sub/old.csv", "sub/moved.csv"}));
  EXPECT_TRUE(w.drain().paths.empty());  // each change once

  // A new time alone (touch) is a change, as it is to a listing.
  fs::last_write_time(dir / "landing/keep.csv", fs::file_time_type::clock::now());
  EXPECT_EQ(w.drain().paths, (std::set<std::string>{"keep.csv"}));
}

TEST(FolderWatch, AFolderCreatedOrRemovedInsideAsksForAFullListing) {
  test::TempDir dir;
  test::write_file(dir / "landing/a.csv", "a");
  FolderWatch w = open_or_fail(dir / "landing");
  fs::create_directories(dir / "landing/2026/12");
  test::write_file(dir / "landing/2026/12/b.csv", "b");
  FolderChanges c = w.drain();
  EXPECT_TRUE(c.relist);
  EXPECT_TRUE(c.paths.empty());

  FolderWatch again = open_or_fail(dir / "landing");  // what the caller does before relisting
  test::write_file(dir / "landing/2026/12/c.csv", "c");
  EXPECT_EQ(again.drain().paths, (std::set<std::string>{"2026/12/c.csv"}));
  fs::remove_all(dir / "landing/2026");
  EXPECT_TRUE(again.drain().relist);
}

TEST(FolderWatch, TheFolderItselfRemovedAsksForAFullListing) {
  test::TempDir dir;
  test::write_file(dir / "landing/a.csv", "a");
  FolderWatch w = open_or_fail(dir / "landing");
  fs::remove_all(dir / "landing");
  EXPECT_TRUE(w.drain().relist);
}

TEST(FolderWatch, RefusesATreeWithASymbolicLinkOrNoFolder) {
  test::TempDir dir;
  test::write_file(dir / "data/a.csv", "a");
  test::write_file(dir / "landing/b.csv", "b");
  fs::create_directory_symlink(dir / "data", dir / "landing/linked");
  std::string why;
  EXPECT_FALSE(FolderWatch::open(dir / "landing", &why));
  EXPECT_NE(why.find("symbolic link"), std::string::npos) << why;
  EXPECT_FALSE(FolderWatch::open(dir / "missing", &why));
  EXPECT_NE(why.find("not a folder"), std::string::npos) << why;
}

}  // namespace pond::storage
