#pragma once
// AWS Signature Version 4 for S3-compatible object stores: the Authorization header of a request,
// computed from its method, path, query, headers and payload hash.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pond::storage {

// An access key pair (and the session token of temporary credentials). Never printed: the
// secret is only ever an HMAC key.
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless the credentials are temporary (STS)
};

// What SigV4 signs. `path` is the request path as sent, before percent-encoding (S3 keys are
// encoded once, segment by segment); `query` and `headers` are unencoded name/value pairs in
// any order; every header given is signed (include `host` and `x-amz-date`).
struct SigV4Request {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // hex, or "UNSIGNED-PAYLOAD"
};

// The scope of a signature: `amz_date` is the request's x-amz-date (YYYYMMDDTHHMMSSZ).
struct SigV4Scope {
  std::string region;
  std::string service = "s3";
  std::string amz_date;
};

// The steps of the algorithm, separately: tests compare them with AWS's published vectors.
std::string sigv4_canonical_request(const SigV4Request& request);
std::string sigv4_string_to_sign(const SigV4Request& request, const SigV4Scope& scope);
// "AWS4-HMAC-SHA256 Credential=.../aws4_request,SignedHeaders=...,Signature=..."
std::string sigv4_authorization(const SigV4Request& request, const SigV4Scope& scope,
                                const AwsCredentials& credentials);

// Percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) kept, the
// rest %XX in upper case; '/' kept when `keep_slash` (paths), encoded otherwise (query values).
std::string uri_encode(std::string_view text, bool keep_slash);
std::string sha256_hex(std::string_view data);
// "YYYYMMDDTHHMMSSZ" of the current UTC time.
std::string amz_date_now();

}  // namespace pond::storage
