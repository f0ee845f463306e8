#pragma once
// An S3 client on libcurl: the object operations the lake, ingestion and sensors need, against
// AWS or any S3-compatible store (MinIO, Ceph, R2), signed with SigV4, retried on throttling
// and server errors.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "storage/sigv4.hpp"

namespace pond::storage {

// Where the store is and how to talk to it.
struct S3Config {
  // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"; empty = AWS for `region`.
  std::string endpoint;
  std::string region = "us-east-1";
  // Path style (endpoint/bucket/key) is what MinIO and most self-hosted stores want; virtual
  // host style (bucket.endpoint/key) is AWS's default.
  bool path_style = true;
  std::string ca_file;                 // a CA bundle for a self-signed certificate
  bool verify_tls = true;              // false only when the user says so explicitly
  int max_attempts = 4;                // per request, on 5xx, 429/SlowDown, timeouts and dropped connections
  std::size_t part_size = 8u << 20;    // multipart upload part size
  int parallel_parts = 4;              // parts uploaded at once
  int list_page_size = 1000;           // keys per ListObjectsV2 page (S3's maximum)
  bool sign_payload_over_tls = false;  // over plain HTTP the body is always signed
  // Transfers slower than 1 byte/s for this long are aborted (and retried).
  std::chrono::seconds stall_timeout{60};
};

// One object of a listing or a HEAD.
struct S3Object {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // without quotes
  std::chrono::system_clock::time_point modified;
};

// A failed S3 call after its retries: the operation, endpoint, bucket and key, S3's error code
// and message, and a hint for the usual causes (credentials, clock skew, TLS, missing bucket).
class S3Error : public UserError {
 public:
  S3Error(std::string message, std::string hint, std::string code, long status)
      : UserError(std::move(message), std::move(hint), ExitCode::kStepFailed),
        code_(std::move(code)),
        status_(status) {}
  const std::string& code() const { return code_; }  // "NoSuchKey", "SignatureDoesNotMatch", ...
  long status() const { return status_; }            // HTTP status; 0 for a transport failure

 private:
  std::string code_;
  long status_;
};

// Thread-safe: requests of several threads share a pool of connections.
class S3Client {
 public:
  S3Client(S3Config config, AwsCredentials credentials);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Config& config() const { return config_; }

  std::optional<S3Object> head(const std::string& bucket, const std::string& key);
  // The object's bytes [offset, offset + length), or all of it when `length` is empty.
  std::string get(const std::string& bucket, const std::string& key, std::uint64_t offset = 0,
                  std::optional<std::uint64_t> length = std::nullopt);
  // Downloads to `path` (written to a temporary name, then renamed). Returns the ETag.
  std::string download(const std::string& bucket, const std::string& key, const std::filesystem::path& path);
  // Returns the new object's ETag.
  std::string put(const std::string& bucket, const std::string& key, std::string_view body);
  // One PutObject for small files, a multipart upload (parts in parallel) for large ones; a
  // failed multipart upload is aborted, so it leaves nothing behind.
  std::string upload(const std::string& bucket, const std::string& key, const std::filesystem::path& path);
  // Every object whose key starts with `prefix`, in key order (ListObjectsV2, all pages).
  std::vector<S3Object> list(const std::string& bucket, const std::string& prefix);
  // Deleting a missing key is not an error (S3's own semantics).
  void remove(const std::string& bucket, const std::string& key);
  void create_bucket(const std::string& bucket);

  struct Request;
  struct Response;

 private:
  Response send(const Request& request);
  std::string multipart_upload(const std::string& bucket, const std::string& key, std::string_view bytes);

  S3Config config_;
  AwsCredentials credentials_;
  struct Connections;
  std::unique_ptr<Connections> connections_;
};

// Splits "s3://bucket/some/prefix" into bucket and key; nullopt for anything else.
struct S3Url {
  std::string bucket;
  std::string key;
};
std::optional<S3Url> parse_s3_url(std::string_view url);

}  // namespace pond::storage
