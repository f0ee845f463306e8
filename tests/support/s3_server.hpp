#pragma once
// A throwaway S3-compatible server for tests: s3rver (npm, installed into tests/s3server by
// scripts/setup) on a free port of 127.0.0.1, with a bucket `pond`, over HTTP or, given a
// certificate, HTTPS. It checks SigV4 signatures with the key pair S3RVER/S3RVER.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "support/temp_dir.hpp"

namespace pond::test {

class S3Server {
 public:
  struct Tls {
    std::filesystem::path key, cert;
  };
  // Starts the server, or returns nullptr with `why` (node or s3rver missing, no port).
  static std::unique_ptr<S3Server> start(std::string& why, const Tls* tls = nullptr);
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  int port() const { return port_; }
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";
  static constexpr const char* kBucket = "pond";
  std::string log() const;  // what the server printed (its request log), for failure messages
  // kill -9, for fault injection: requests after it fail to connect.
  void kill();

 private:
  S3Server() = default;
  TempDir dir_;
  pid_t pid_ = 0;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace pond::test
