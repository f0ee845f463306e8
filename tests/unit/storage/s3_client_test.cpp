#include "storage/s3_client.hpp"

#include <gtest/gtest.h>

#include <iostream>

#include "support/process.hpp"
#include "support/s3_server.hpp"
#include "support/temp_dir.hpp"

namespace pond::storage {
namespace {

using test::S3Server;

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = S3Server::start(why);
    ASSERT_TRUE(server_) << why;
  }
  S3Config config() const {
    S3Config c;
    c.endpoint = server_->endpoint();
    c.max_attempts = 2;
    return c;
  }
  S3Client client(S3Config c) const {
    return S3Client(std::move(c), AwsCredentials{S3Server::kAccessKey, S3Server::kSecretKey, ""});
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "s3rver log:\n" << server_->log();
  }
  std::unique_ptr<S3Server> server_;
  const std::string bucket_ = S3Server::kBucket;
};

TEST_F(S3ClientTest, PutGetHeadRangeDelete) {
  S3Client s3 = client(config());
  std::string etag = s3.put(bucket_, "dir/a b+c.txt", "hello, object store");
  EXPECT_FALSE(etag.empty());
  EXPECT_EQ(s3.get(bucket_, "dir/a b+c.txt"), "hello, object store");
  EXPECT_EQ(s3.get(bucket_, "dir/a b+c.txt", 7, 6), "object");
  EXPECT_EQ(s3.get(bucket_, "dir/a b+c.txt", 14), "store");
  auto head = s3.head(bucket_, "dir/a b+c.txt");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, 19u);
  EXPECT_EQ(head->etag, etag);
  EXPECT_GT(head->modified.time_since_epoch().count(), 0);
  s3.remove(bucket_, "dir/a b+c.txt");
  EXPECT_FALSE(s3.head(bucket_, "dir/a b+c.txt"));
  s3.remove(bucket_, "dir/a b+c.txt");  // idempotent
  try {
    s3.get(bucket_, "dir/a b+c.txt");
    FAIL() << "read a deleted object";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.code(), "NoSuchKey") << e.what();
    EXPECT_NE(std::string(e.what()).find("s3://pond/dir/a b+c.txt"), std::string::npos) << e.what();
  }
}

TEST_F(S3ClientTest, ListFollowsContinuationTokens) {
  S3Config c = config();
  c.list_page_size = 3;
  S3Client s3 = client(c);
  for (int i = 0; i < 8; ++i) s3.put(bucket_, "p/" + std::to_string(i) + ".csv", std::string(i, 'x'));
  s3.put(bucket_, "other/x", "no");
  auto listed = s3.list(bucket_, "p/");
  ASSERT_EQ(listed.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(listed[static_cast<std::size_t>(i)].key, "p/" + std::to_string(i) + ".csv");
    EXPECT_EQ(listed[static_cast<std::size_t>(i)].size, static_cast<std::uint64_t>(i));
  }
  EXPECT_EQ(s3.list(bucket_, "").size(), 9u);
  EXPECT_TRUE(s3.list(bucket_, "none/").empty());
}

TEST_F(S3ClientTest, LargeFilesUploadInPartsAndDownloadWhole) {
  S3Config c = config();
  c.part_size = 64 * 1024;
  c.stall_timeout =
      std::chrono::seconds(5);  // 5 parts for this file (S3 itself wants >= 5 MiB; s3rver does not)
  S3Client s3 = client(c);
  test::TempDir dir;
  std::string content;
  for (std::uint32_t i = 0; i < 300 * 1024; ++i) content += static_cast<char>('a' + (i * 7919u) % 26);
  test::write_file(dir / "big.bin", content);
  s3.upload(bucket_, "big.bin", dir / "big.bin");
  s3.download(bucket_, "big.bin", dir / "back.bin");
  EXPECT_EQ(test::read_file(dir / "back.bin"), content);
  EXPECT_EQ(s3.head(bucket_, "big.bin")->size, content.size());
  EXPECT_NE(server_->log().find("partNumber=5"), std::string::npos) << "not uploaded in 5 parts";
  EXPECT_EQ(server_->log().find("partNumber=6"), std::string::npos);
  test::write_file(dir / "small.bin", "small");
  s3.upload(bucket_, "small.bin", dir / "small.bin");
  EXPECT_EQ(s3.get(bucket_, "small.bin"), "small");
}

// s3rver checks the access key id but not SigV4 signatures themselves (the AWS vectors of
// sigv4_test.cpp check those): an unknown key must be a clear error that shows no secret.
TEST_F(S3ClientTest, UnknownAccessKeyIsAClearErrorWithoutTheSecret) {
  S3Client s3(config(), AwsCredentials{"NOT-A-KEY", "not-the-secret-xyz", ""});
  try {
    s3.put(bucket_, "k", "v");
    FAIL() << "accepted an unknown access key";
  } catch (const S3Error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.code(), "InvalidAccessKeyId") << what;
    EXPECT_EQ(e.status(), 403);
    EXPECT_NE(what.find(server_->endpoint()), std::string::npos) << what;
    EXPECT_NE(e.hint().find("access key"), std::string::npos);
    EXPECT_EQ(what.find("not-the-secret-xyz"), std::string::npos) << what;
    EXPECT_EQ(e.hint().find("not-the-secret-xyz"), std::string::npos);
  }
}

TEST_F(S3ClientTest, MissingBucketSaysCreateIt) {
  S3Client s3 = client(config());
  try {
    s3.put("no-such-bucket", "k", "v");
    FAIL();
  } catch (const S3Error& e) {
    EXPECT_EQ(e.code(), "NoSuchBucket") << e.what();
    EXPECT_NE(e.hint().find("create the bucket"), std::string::npos);
  }
  s3.create_bucket("new-bucket");
  s3.put("new-bucket", "k", "v");
  EXPECT_EQ(s3.get("new-bucket", "k"), "v");
}

TEST_F(S3ClientTest, ADeadServerFailsAfterRetriesNamingTheEndpoint) {
  S3Client s3 = client(config());
  s3.put(bucket_, "k", "v");
  server_->kill();
  try {
    s3.get(bucket_, "k");
    FAIL();
  } catch (const S3Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(server_->endpoint()), std::string::npos) << what;
    EXPECT_NE(what.find("after 2 attempts"), std::string::npos) << what;
  }
}

// HTTPS with a CA made here: trusted through ca_file, refused without it (with the hint).
TEST(S3ClientTls, SelfSignedCertificateNeedsItsCa) {
  test::TempDir dir;
  auto run = [&](std::vector<std::string> argv) {
    auto r = test::run_process(argv, {.cwd = dir.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=pond test CA", "-keyout", "ca.key", "-out", "ca.pem"});
  run({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
       "server.key", "-out", "server.csr"});
  test::write_file(dir / "ext.cnf", "subjectAltName=IP:127.0.0.1\n");
  run({"/usr/bin/openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
       "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem"});
  std::string why;
  S3Server::Tls tls{dir / "server.key", dir / "server.pem"};
  auto server = S3Server::start(why, &tls);
  ASSERT_TRUE(server) << why;
  AwsCredentials creds{S3Server::kAccessKey, S3Server::kSecretKey, ""};
  S3Config config;
  config.endpoint = server->endpoint();
  config.max_attempts = 1;
  try {
    S3Client(config, creds).put(S3Server::kBucket, "k", "v");
    FAIL() << "trusted a certificate of an unknown CA";
  } catch (const S3Error& e) {
    EXPECT_NE(e.hint().find("ca_file"), std::string::npos) << e.what() << " / " << e.hint();
  }
  config.ca_file = (dir / "ca.pem").string();
  S3Client trusted(config, creds);
  trusted.put(S3Server::kBucket, "k", "over tls");
  EXPECT_EQ(trusted.get(S3Server::kBucket, "k"), "over tls");
}

}  // namespace
}  // namespace pond::storage
