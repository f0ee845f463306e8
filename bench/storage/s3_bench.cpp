// Upload and download of one file through pond's S3 client (multipart, parts in parallel),
// timed; bench/storage/run compares it with curl on the same server in the same run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/s3_client.hpp"

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::fprintf(stderr, "usage: s3_bench ENDPOINT BUCKET FILE OUT_FILE [PART_MB [PARALLEL_PARTS]]\n");
    return 2;
  }
  using clock = std::chrono::steady_clock;
  pond::storage::S3Config config;
  config.endpoint = argv[1];
  if (argc >= 6) config.part_size = std::strtoull(argv[5], nullptr, 10) << 20;
  if (argc == 7) config.parallel_parts = std::atoi(argv[6]);
  pond::storage::S3Client s3(config, {"S3RVER", "S3RVER", ""});
  auto t0 = clock::now();
  s3.upload(argv[2], "bench/pond.bin", argv[3]);
  auto t1 = clock::now();
  s3.download(argv[2], "bench/pond.bin", argv[4]);
  auto t2 = clock::now();
  std::printf("%.3f %.3f\n", std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  return 0;
}
