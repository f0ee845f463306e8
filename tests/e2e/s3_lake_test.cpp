// The example project with its lake's files on an S3-compatible server (s3rver, started here):
// build, read back through a cold cache, a second build, and bad credentials failing cleanly.
#include <regex>

#include "e2e/pond_runner.hpp"
#include "storage/s3_client.hpp"
#include "support/s3_server.hpp"

namespace pond::test {

namespace {

// profiles.yml of `pond init`, its lake's data_path moved to s3://pond/shop/ on `server`.
void put_lake_on_s3(const std::filesystem::path& root, const S3Server& server,
                    const std::string& secret_key_line) {
  std::string profile = read_file(root / "profiles.yml");
  profile =
      std::regex_replace(profile, std::regex("data_path: lake/data/"),
                         "data_path: s3://pond/shop/\n        s3:\n          endpoint: " + server.endpoint() +
                             "\n" + secret_key_line);
  write_file(root / "profiles.yml", profile);
}

std::vector<std::string> keys(const S3Server& server, const std::string& prefix) {
  storage::S3Config config;
  config.endpoint = server.endpoint();
  storage::S3Client s3(config, {S3Server::kAccessKey, S3Server::kSecretKey, ""});
  std::vector<std::string> out;
  for (const auto& o : s3.list(S3Server::kBucket, prefix)) out.push_back(o.key);
  return out;
}

std::string count_of(const std::filesystem::path& root, const std::string& table, const ProcessOptions& env) {
  ProcessResult r =
      run_pond({"show", "--inline", "select count(*) as n from " + table, "-o", "csv"}, root, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

}  // namespace

TEST_F(PondTest, ExampleProjectBuildsWithItsLakeOnS3) {
  std::string why;
  auto server = S3Server::start(why);
  ASSERT_TRUE(server) << why;
  auto root = init_lake_project();
  put_lake_on_s3(
      root, *server,
      "          access_key_id: S3RVER\n          secret_access_key: \"{{ env_var('TEST_S3_SECRET') }}\"\n");
  ProcessOptions env;
  env.env["TEST_S3_SECRET"] = S3Server::kSecretKey;
  ProcessResult r = run_pond({"build"}, root, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << server->log();
  auto objects = keys(*server, "shop/");
  ASSERT_FALSE(objects.empty());
  for (const auto& k : objects) EXPECT_TRUE(k.ends_with(".parquet")) << k;
  EXPECT_FALSE(std::filesystem::exists(root / "lake" / "data"));  // nothing written locally
  std::string orders = count_of(root, "orders", env);
  std::string customers = count_of(root, "customers", env);
  EXPECT_NE(orders, "n\n0\n");

  // A cold cache reads the same rows from the store.
  ASSERT_TRUE(std::filesystem::exists(root / ".pond" / "lake-files" / "cache" / "pond" / "shop"));
  std::filesystem::remove_all(root / ".pond" / "lake-files");
  EXPECT_EQ(count_of(root, "orders", env), orders);
  EXPECT_EQ(count_of(root, "customers", env), customers);

  // A second build (snapshots, incremental merges) on the same lake.
  r = run_pond({"build"}, root, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(count_of(root, "orders", env), orders);
  EXPECT_GT(keys(*server, "shop/").size(), objects.size());

  // Cleanup on the store: an orphan (a writer killed after its upload) goes, every file a
  // snapshot names stays.
  auto live = keys(*server, "shop/");
  {
    storage::S3Config config;
    config.endpoint = server->endpoint();
    storage::S3Client(config, {S3Server::kAccessKey, S3Server::kSecretKey, ""})
        .put(S3Server::kBucket, "shop/main/ducklake-orphan.parquet", "not a real file");
  }
  r = run_pond({"lake", "cleanup", "--min-age", "0"}, root, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ducklake-orphan.parquet"), std::string::npos) << r.out;
  EXPECT_EQ(keys(*server, "shop/"), live);
  std::filesystem::remove_all(root / ".pond" / "lake-files");
  EXPECT_EQ(count_of(root, "orders", env), orders);
}

TEST_F(PondTest, WrongS3CredentialsFailNamingTheStoreAndCommitNothing) {
  std::string why;
  auto server = S3Server::start(why);
  ASSERT_TRUE(server) << why;
  auto root = init_lake_project();
  put_lake_on_s3(root, *server,
                 "          access_key_id: NOT-A-KEY\n          secret_access_key: hush-hush-42\n");
  ProcessResult r = run_pond({"build"}, root);
  EXPECT_NE(r.exit_code, 0);
  std::string all = r.out + r.err;
  EXPECT_NE(all.find("InvalidAccessKeyId"), std::string::npos) << all;
  EXPECT_NE(all.find(server->endpoint()), std::string::npos) << all;
  EXPECT_EQ(all.find("hush-hush-42"), std::string::npos) << all;
  EXPECT_TRUE(keys(*server, "shop/").empty());
}

// The store going away mid-project: the build fails naming it, and the lake keeps exactly the
// snapshots it had (nothing committed that points at a file that was not uploaded).
TEST_F(PondTest, AStoreThatGoesAwayFailsTheBuildAndCommitsNothing) {
  std::string why;
  auto server = S3Server::start(why);
  ASSERT_TRUE(server) << why;
  auto root = init_lake_project();
  put_lake_on_s3(root, *server, "          access_key_id: S3RVER\n          secret_access_key: S3RVER\n");
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ProcessResult before = run_pond({"lake", "snapshots"}, root);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  server->kill();
  r = run_pond({"build", "--full-refresh"}, root);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find(server->endpoint()), std::string::npos) << r.out << r.err;
  ProcessResult after = run_pond({"lake", "snapshots"}, root);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, before.out);
}

}  // namespace pond::test
