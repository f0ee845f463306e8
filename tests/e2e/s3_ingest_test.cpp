// The example project with its lake AND its landing zone on an S3-compatible server (s3rver,
// started here): ingestion from s3:// globs (incremental by key + ETag, exactly once), the dbt
// models on top, clear errors for a missing bucket, prefix or key and wrong credentials, faults
// injected by a proxy (5xx, dropped connections) leaving the lake and the load state
// consistent, and a file sensor on the S3 landing prefix.
#include <regex>

#include "e2e/pond_runner.hpp"
#include "runstore/run_store.hpp"
#include "storage/s3_client.hpp"
#include "support/s3_server.hpp"
#include "support/server_process.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;

const char* kReview3 =
    "{\"review_id\": 6, \"customer_id\": 12, \"stars\": 5, \"title\": \"Better\", "
    "\"reviewed_at\": \"2026-03-03 12:00:00\"}\n";

class S3Ingest : public PondTest {
 protected:
  void SetUp() override {
    std::string why;
    server_ = S3Server::start(why);
    ASSERT_TRUE(server_) << why;
    root_ = init_lake_project();
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "s3rver log:\n" << server_->log();
  }

  storage::S3Client client() const {
    storage::S3Config config;
    config.endpoint = server_->endpoint();
    return storage::S3Client(config, {S3Server::kAccessKey, S3Server::kSecretKey, ""});
  }
  void put(const std::string& key, const std::string& body) { client().put(S3Server::kBucket, key, body); }

  // The lake's data_path on s3://pond/shop/ at `endpoint` (the server, or a proxy before it),
  // and the reviews resource reading s3://pond/<landing>/*.jsonl (uploaded from the example's
  // landing folder, which is then removed).
  void move_to_s3(const std::string& endpoint, const std::string& key_lines,
                  const std::string& landing = "landing/reviews") {
    std::string profile = read_file(root_ / "profiles.yml");
    profile = std::regex_replace(
        profile, std::regex("data_path: lake/data/"),
        "data_path: s3://pond/shop/\n        s3:\n          endpoint: " + endpoint + "\n" + key_lines);
    write_file(root_ / "profiles.yml", profile);
    std::string pond_yml = read_file(root_ / "pond.yml");
    pond_yml = std::regex_replace(pond_yml, std::regex("path: landing/reviews/\\*\\.jsonl"),
                                  "path: s3://pond/" + landing + "/*.jsonl");
    write_file(root_ / "pond.yml", pond_yml);
    for (const auto& e : fs::directory_iterator(root_ / "landing" / "reviews"))
      put("landing/reviews/" + e.path().filename().string(), read_file(e.path()));
    fs::remove_all(root_ / "landing");
  }
  static std::string keys_ok() {
    return "          access_key_id: S3RVER\n          secret_access_key: S3RVER\n";
  }

  ProcessResult pond(const std::vector<std::string>& args) { return run_pond(args, root_); }
  // The rows of a query as CSV lines without the header; "ERROR: ..." when it fails.
  std::string rows(const std::string& sql) {
    ProcessResult r = pond({"show", "--inline", sql, "-o", "csv", "--limit", "1000"});
    if (r.exit_code != 0) return "ERROR: " + r.err;
    std::string out = r.out.substr(r.out.find('\n') + 1);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  std::string snapshots() {
    ProcessResult r = pond({"lake", "snapshots"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::unique_ptr<S3Server> server_;
  fs::path root_;
};

}  // namespace

TEST_F(S3Ingest, ExampleProjectRunsWithItsLakeAndLandingZoneOnS3) {
  move_to_s3(server_->endpoint(), keys_ok());
  ProcessResult r = pond({"build"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = pond({"materialize", "-s", "+customer_reviews"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(r.out.find("ingest reviews"), r.out.find("customer_reviews")) << r.out;
  // The same rows as from the local landing folder (ingest_test.cpp): review 2, sent twice,
  // keeps its later version.
  EXPECT_EQ(rows("select review_id, stars from raw.reviews order by review_id"), "1,5\n2,4\n3,4\n4,4\n5,2");
  EXPECT_EQ(rows("select customer_id, reviews, average_stars from customer_reviews order by customer_id"),
            "1,2,4.5\n3,1,4.0\n7,1,4.0\n12,1,2.0");
  EXPECT_EQ(
      rows("select path, etag is not null and length(etag) > 0 from raw._pond_load_files order by path"),
      "s3://pond/landing/reviews/2026-03-01.jsonl,true\ns3://pond/landing/reviews/2026-03-02.jsonl,true");
  EXPECT_FALSE(fs::exists(root_ / "lake" / "data"));

  // A second load ingests nothing twice, also with a cold cache (the state is in the lake).
  fs::remove_all(root_ / ".pond" / "lake-files");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*) from raw._pond_loads"), "1");
  EXPECT_EQ(rows("select count(*) from raw.reviews"), "5");

  // A new object is loaded alone; an object written again (new ETag) is loaded again.
  put("landing/reviews/2026-03-03.jsonl", kReview3);
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), max(review_id) from raw.reviews"), "6,6");
  EXPECT_EQ(rows("select files from raw._pond_loads order by loaded_at"), "2\n1");
  put("landing/reviews/2026-03-03.jsonl",
      "{\"review_id\": 6, \"customer_id\": 12, \"stars\": 1, \"title\": \"Worse\", "
      "\"reviewed_at\": \"2026-03-03 13:00:00\"}\n");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select stars from raw.reviews where review_id = 6"), "1");
  EXPECT_EQ(rows("select count(*), count(distinct etag) from raw._pond_load_files where path like '%03-03%'"),
            "2,2");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*) from raw._pond_loads"), "3");
  r = pond({"materialize", "-s", "customer_reviews"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select reviews, average_stars from customer_reviews where customer_id = 12"), "2,1.5");
}

TEST_F(S3Ingest, MissingBucketPrefixKeyAndWrongCredentialsFailNamingTheStore) {
  move_to_s3(server_->endpoint(), keys_ok(), "landing/nothing-here");
  ASSERT_EQ(pond({"build"}).exit_code, 0);
  std::string before = snapshots();
  auto fails_with = [&](const std::vector<std::string>& needles) {
    ProcessResult r = pond({"ingest"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    for (const auto& n : needles) EXPECT_TRUE(contains(r.out + r.err, n)) << n << "\n" << r.out << r.err;
    EXPECT_FALSE(contains(r.out + r.err, "hush-hush-42")) << r.out << r.err;
  };
  fails_with({"no object under s3://pond/landing/nothing-here/", server_->endpoint()});
  auto repoint = [&](const std::string& from, const std::string& to) {
    std::string text = read_file(root_ / "pond.yml");
    text.replace(text.find(from), from.size(), to);
    write_file(root_ / "pond.yml", text);
  };
  repoint("s3://pond/landing/nothing-here/*.jsonl", "s3://no-such-bucket/landing/*.jsonl");
  fails_with({"NoSuchBucket", "s3://no-such-bucket", server_->endpoint()});
  repoint("s3://no-such-bucket/landing/*.jsonl", "s3://pond/landing/reviews/2026-03-09.jsonl");
  fails_with({"no file s3://pond/landing/reviews/2026-03-09.jsonl at " + server_->endpoint()});
  EXPECT_EQ(snapshots(), before);
  EXPECT_TRUE(contains(rows("select count(*) from raw._pond_loads"), "ERROR"));

  // Wrong credentials: the store's answer, where, and no secret.
  repoint("s3://pond/landing/reviews/2026-03-09.jsonl", "s3://pond/landing/reviews/*.jsonl");
  std::string profile = read_file(root_ / "profiles.yml");
  profile =
      std::regex_replace(profile, std::regex("access_key_id: S3RVER\n          secret_access_key: S3RVER"),
                         "access_key_id: NOT-A-KEY\n          secret_access_key: hush-hush-42");
  write_file(root_ / "profiles.yml", profile);
  fails_with({"InvalidAccessKeyId", server_->endpoint()});
}

// A proxy before the server answers 5xx or drops connections where the test says: a load whose
// uploads keep failing commits nothing (no rows, no load state); transient faults are retried
// and the files are loaded once; the next load after a failed one loads the files once.
TEST_F(S3Ingest, FaultsMidTransferLeaveLakeAndLoadStateConsistent) {
  fs::path rules = dir_ / "faults.txt";
  ServerProcess proxy(
      {"/usr/bin/env", "python3", std::string(POND_SOURCE_DIR) + "/tests/support/s3_fault_proxy.py",
       std::to_string(server_->port()), rules.string()},
      dir_.path());
  auto port = proxy.wait_for(std::regex("listening on (\\d+)"));
  ASSERT_TRUE(port) << proxy.output();
  const std::string endpoint = "http://127.0.0.1:" + *port;
  move_to_s3(endpoint, keys_ok());
  ASSERT_EQ(pond({"build"}).exit_code, 0);
  std::string before = snapshots();

  // Every upload of a data file fails (after the client's retries): nothing committed.
  write_file(rules, "PUT .parquet 503 -1\n");
  ProcessResult r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, endpoint)) << r.out << r.err;
  EXPECT_TRUE(contains(read_file(dir_ / "faults.txt.log"), "503 PUT /pond/shop/"));
  EXPECT_EQ(snapshots(), before);
  EXPECT_TRUE(contains(rows("select count(*) from raw._pond_loads"), "ERROR"));

  // Transient faults on the downloads of the landing objects and the uploads: retried.
  fs::remove_all(root_ / ".pond" / "lake-files" / "cache");
  write_file(rules, "GET /pond/landing/ drop 1\nGET /pond/landing/ 503 1\nPUT .parquet 500 1\n");
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string log = read_file(dir_ / "faults.txt.log");
  EXPECT_TRUE(contains(log, "drop GET /pond/landing/")) << log;
  EXPECT_TRUE(contains(log, "503 GET /pond/landing/")) << log;
  EXPECT_TRUE(contains(log, "500 PUT /pond/shop/")) << log;
  EXPECT_EQ(rows("select review_id, stars from raw.reviews order by review_id"), "1,5\n2,4\n3,4\n4,4\n5,2");
  EXPECT_EQ(rows("select count(*), sum(files) from raw._pond_loads"), "1,2");

  // A new object whose load fails: loaded once by the next load, and the others not again.
  put("landing/reviews/2026-03-03.jsonl", kReview3);
  std::string loaded = snapshots();
  write_file(rules, "PUT .parquet 503 -1\n");
  r = pond({"ingest"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(snapshots(), loaded);
  fs::remove(rules);
  r = pond({"ingest"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows("select count(*), max(review_id) from raw.reviews"), "6,6");
  EXPECT_EQ(rows("select count(*), sum(files) from raw._pond_loads"), "2,3");
  EXPECT_EQ(rows("select count(*), count(distinct path) from raw._pond_load_files"), "3,3");
  proxy.stop();
}

// A files sensor on the S3 landing prefix: a new object triggers the ingest once (by key +
// ETag), the object written again triggers it again, nothing new triggers nothing.
TEST_F(S3Ingest, FilesSensorOnAnS3PrefixTriggersOncePerNewOrChangedObject) {
  move_to_s3(server_->endpoint(), keys_ok());
  std::string pond_yml = read_file(root_ / "pond.yml");
  write_file(root_ / "pond.yml",
             pond_yml +
                 "\nsensors:\n  reviews_landed:\n    type: files\n    path: s3://pond/landing/reviews\n"
                 "    glob: '*.jsonl'\n    select: [reviews]\n    interval: 30s\n"
                 "  nowhere:\n    type: files\n    path: s3://no-such-bucket/in\n    select: [reviews]\n");
  put("landing/reviews/notes.txt", "not matched by the glob");
  auto minute = [&](const std::string& from, const std::string& until) {
    ProcessResult r = pond({"daemon", "--simulate-from", from, "--simulate-until", until});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  };
  minute("2026-03-28T00:00", "2026-03-28T00:02");
  EXPECT_EQ(rows("select count(*) from raw.reviews"), "5");
  minute("2026-03-28T00:10", "2026-03-28T00:12");  // nothing new: no run
  put("landing/reviews/2026-03-03.jsonl", kReview3);
  minute("2026-03-28T00:20", "2026-03-28T00:22");
  EXPECT_EQ(rows("select count(*) from raw.reviews"), "6");
  put("landing/reviews/2026-03-03.jsonl", std::string(kReview3) + kReview3);  // new ETag
  minute("2026-03-28T00:30", "2026-03-28T00:32");
  ProcessResult r = pond({"sensors", "-o", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "reviews_landed,files,s3://pond/landing/reviews")) << r.out;
  auto runs = runstore::RunStore::open(root_ / ".pond" / "state.db").recent_runs(100);
  ASSERT_EQ(runs.size(), 3u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.trigger, "sensor");
    EXPECT_EQ(run.status, "success");
  }
  auto seen = runstore::RunStore::open(root_ / ".pond" / "state.db").sensor_files("sensor:reviews_landed");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_FALSE(seen.at("2026-03-03.jsonl").etag.empty());
  // A sensor on a missing bucket fails its evaluation naming the store, once; the daemon goes on.
  auto failed = runstore::RunStore::open(root_ / ".pond" / "state.db").recent_ticks("sensor:nowhere", 10);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].status, "failed");
  EXPECT_TRUE(contains(failed[0].reason, "NoSuchBucket")) << failed[0].reason;
  EXPECT_TRUE(contains(failed[0].reason, server_->endpoint())) << failed[0].reason;
  EXPECT_EQ(rows("select count(*) from raw._pond_loads"), "3");
}

}  // namespace pond::test
