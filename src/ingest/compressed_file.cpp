#include "ingest/compressed_file.hpp"

#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <vector>

#include "common/error.hpp"
#include "common/text.hpp"

namespace pond::ingest {

Compression compression_of(const SourceFile& file, Compression configured) {
  if (configured != Compression::kAuto) return configured;
  std::string p = to_lower(file.path);
  if (p.ends_with(".gz") || p.ends_with(".gzip")) return Compression::kGzip;
  if (p.ends_with(".zst") || p.ends_with(".zstd")) return Compression::kZstd;
  return Compression::kNone;
}

namespace {

[[noreturn]] void broken(const std::string& resource, const SourceFile& f, const std::string& what,
                         std::int64_t offset) {
  throw UserError("ingest resource '" + resource + "': " + f.path + ": " + what + " at byte " +
                      std::to_string(offset) + " of " + std::to_string(f.size),
                  "the file is truncated or corrupt (an interrupted upload?); nothing was loaded",
                  ExitCode::kStepFailed);
}

// Inflates every gzip member to its end, checking each trailer (CRC-32 and length).
void check_gzip(const std::string& resource, const SourceFile& f) {
  std::ifstream in(f.full, std::ios::binary);
  if (!in)
    throw UserError("ingest resource '" + resource + "': cannot read " + f.path, ExitCode::kStepFailed);
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw InternalError("inflateInit2 failed");
  struct End {
    z_stream& z;
    ~End() { inflateEnd(&z); }
  } end{z};
  std::vector<unsigned char> input(1 << 18), output(1 << 18);
  std::int64_t consumed = 0;
  bool in_member = false;  // inside a member that has not ended yet
  while (true) {
    in.read(reinterpret_cast<char*>(input.data()), static_cast<std::streamsize>(input.size()));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    z.next_in = input.data();
    z.avail_in = static_cast<uInt>(n);
    while (z.avail_in > 0) {
      in_member = true;
      z.next_out = output.data();
      z.avail_out = static_cast<uInt>(output.size());
      int rc = inflate(&z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member = false;
        inflateReset(&z);  // a next member (concatenated gzip) may follow
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        broken(resource, f, std::string("corrupt gzip data (") + (z.msg ? z.msg : "inflate failed") + ")",
               consumed + n - static_cast<std::int64_t>(z.avail_in));
    }
    consumed += n;
  }
  if (in_member || consumed == 0) broken(resource, f, "the gzip stream ends early", consumed);
}

// Walks every zstd frame's block headers; a cut-off frame has a block past the end.
void check_zstd(const std::string& resource, const SourceFile& f) {
  std::ifstream in(f.full, std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t at = 0;
  if (data.empty()) broken(resource, f, "an empty zstd file", 0);
  while (at < data.size()) {
    std::size_t n = ZSTD_findFrameCompressedSize(data.data() + at, data.size() - at);
    if (ZSTD_isError(n))
      broken(resource, f,
             std::string("the zstd stream ends early or is corrupt (") + ZSTD_getErrorName(n) + ")",
             static_cast<std::int64_t>(at));
    at += n;
  }
}

}  // namespace

void check_compressed_file(const std::string& resource, const SourceFile& file, Compression compression) {
  switch (compression_of(file, compression)) {
    case Compression::kGzip:
      check_gzip(resource, file);
      break;
    case Compression::kZstd:
      check_zstd(resource, file);
      break;
    default:
      break;
  }
}

}  // namespace pond::ingest
