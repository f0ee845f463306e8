// S3FileSystem against s3rver: the cache keyed by path + ETag, listing with ETags, stat and
// folder_exists (what ingestion and file sensors use).
#include "storage/s3_file_system.hpp"

#include <gtest/gtest.h>

#include <iostream>

#include "storage/glob.hpp"
#include "support/s3_server.hpp"
#include "support/temp_dir.hpp"

namespace pond::storage {
namespace {

using test::S3Server;

class S3FileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = S3Server::start(why);
    ASSERT_TRUE(server_) << why;
    S3Config c;
    c.endpoint = server_->endpoint();
    c.max_attempts = 2;
    client_ = std::make_shared<S3Client>(c, AwsCredentials{S3Server::kAccessKey, S3Server::kSecretKey, ""});
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "s3rver log:\n" << server_->log();
  }
  std::unique_ptr<S3Server> server_;
  std::shared_ptr<S3Client> client_;
  test::TempDir local_;
};

TEST_F(S3FileSystemTest, CachedCopiesAreKeyedByPathAndETag) {
  S3FileSystem files(client_, "s3://pond/", local_.path());
  std::string v1 = client_->put("pond", "landing/a.csv", "id\n1\n");
  auto listed = glob(files, "landing/*.csv");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].relative_path, "landing/a.csv");
  EXPECT_EQ(listed[0].etag, v1);
  EXPECT_EQ(files.where(), " at " + server_->endpoint());

  LocalCopy first = files.local_version("landing/a.csv", v1);
  EXPECT_EQ(first.etag, v1);
  EXPECT_EQ(test::read_file(first.path), "id\n1\n");
  // Same version: the cached copy, not a download (the store holds another version now).
  client_->put("pond", "landing/a.csv", "id\n1\n2\n");
  std::string v2 = client_->head("pond", "landing/a.csv")->etag;
  ASSERT_NE(v1, v2);
  EXPECT_EQ(test::read_file(files.local_version("landing/a.csv", v1).path), "id\n1\n");
  // Another version: downloaded again, and the result says which version it holds.
  LocalCopy second = files.local_version("s3://pond/landing/a.csv", v2);
  EXPECT_EQ(second.etag, v2);
  EXPECT_EQ(test::read_file(second.path), "id\n1\n2\n");
  // Any version ("" ETag, the lake's immutable files): whatever is cached.
  EXPECT_EQ(files.local_version("landing/a.csv", "").etag, v2);
  // Asked for a version that is no longer there: what is there now, named by its ETag.
  files.remove("landing/a.csv");  // drops the cached copy too
  client_->put("pond", "landing/a.csv", "id\n3\n");
  LocalCopy fourth = files.local_version("landing/a.csv", "stale-etag");
  EXPECT_EQ(test::read_file(fourth.path), "id\n3\n");
  EXPECT_EQ(fourth.etag, client_->head("pond", "landing/a.csv")->etag);
}

TEST_F(S3FileSystemTest, StatAndFoldersOfAnObjectStore) {
  S3FileSystem files(client_, "s3://pond/", local_.path());
  client_->put("pond", "in/x/1.csv", "a");
  auto one = files.stat("in/x/1.csv");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size, 1u);
  EXPECT_FALSE(one->etag.empty());
  EXPECT_FALSE(files.stat("in/x/2.csv"));
  EXPECT_TRUE(files.folder_exists("in/x"));
  EXPECT_TRUE(files.folder_exists("in/"));
  EXPECT_FALSE(files.folder_exists("in/y"));
  EXPECT_FALSE(files.folder_exists("in/x/1"));  // a key's prefix, not a folder
  S3FileSystem missing(client_, "s3://no-such-bucket/", local_.path());
  try {
    missing.list("");
    FAIL() << "listed a missing bucket";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.code(), "NoSuchBucket") << e.what();
    EXPECT_NE(std::string(e.what()).find(server_->endpoint()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pond::storage
