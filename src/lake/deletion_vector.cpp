#include "lake/deletion_vector.hpp"

#include <roaring/roaring.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "common/error.hpp"

namespace pond::lake {

namespace {

struct BitmapFree {
  void operator()(roaring_bitmap_t* b) const { roaring_bitmap_free(b); }
};
using Bitmap = std::unique_ptr<roaring_bitmap_t, BitmapFree>;

std::uint32_t load_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

template <typename T>
T load_le(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // the blob's integers are little-endian, as x86/ARM hosts
  return v;
}

[[noreturn]] void corrupt(const std::string& where, const std::string& what) {
  throw UserError("deletion vector " + where + " is corrupt: " + what,
                  "restore the delete file from a backup, or read an older snapshot");
}

}  // namespace

std::vector<std::int64_t> decode_deletion_vector(std::span<const unsigned char> blob,
                                                 const std::string& where) {
  static constexpr unsigned char kMagic[4] = {0xD1, 0xD3, 0x39, 0x64};
  if (blob.size() < 20) corrupt(where, std::to_string(blob.size()) + " bytes is too small");
  std::uint32_t length = load_be32(blob.data());  // magic + bitmaps
  if (std::size_t{length} + 8 != blob.size())
    corrupt(where, "its length field says " + std::to_string(length) + " bytes, the file has " +
                       std::to_string(blob.size() - 8));
  const unsigned char* body = blob.data() + 4;
  if (std::memcmp(body, kMagic, 4) != 0) corrupt(where, "no deletion-vector-v1 magic bytes");
  std::uint32_t stored_crc = load_be32(body + length);
  auto crc = static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), body, length));
  if (crc != stored_crc) corrupt(where, "checksum mismatch");

  return decode_roaring_positions({body + 4, length - 4}, where);
}

std::vector<std::int64_t> decode_roaring_positions(std::span<const unsigned char> bitmaps,
                                                   const std::string& where) {
  const unsigned char* p = bitmaps.data();
  const unsigned char* end = bitmaps.data() + bitmaps.size();
  if (bitmaps.size() < 8) corrupt(where, "truncated bitmap count");
  auto count = load_le<std::int64_t>(p);
  p += 8;
  if (count < 0) corrupt(where, "negative bitmap count");
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < count; ++i) {
    if (end - p < 4) corrupt(where, "truncated bitmap key");
    auto high = load_le<std::int32_t>(p);
    p += 4;
    auto avail = static_cast<std::size_t>(end - p);
    const char* at = reinterpret_cast<const char*>(p);
    std::size_t used = roaring_bitmap_portable_deserialize_size(at, avail);  // 0: does not fit
    Bitmap bitmap(used == 0 ? nullptr : roaring_bitmap_portable_deserialize_safe(at, used));
    if (!bitmap) corrupt(where, "unreadable roaring bitmap " + std::to_string(i));
    p += used;
    std::vector<std::uint32_t> low(roaring_bitmap_get_cardinality(bitmap.get()));
    roaring_bitmap_to_uint32_array(bitmap.get(), low.data());
    for (std::uint32_t l : low)
      out.push_back(static_cast<std::int64_t>(
          (static_cast<std::uint64_t>(static_cast<std::uint32_t>(high)) << 32) | l));
  }
  if (p != end) corrupt(where, std::to_string(end - p) + " bytes after the last bitmap");
  return out;
}

std::vector<std::int64_t> read_deletion_vector(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UserError("cannot read deletion vector " + path,
                    "restore the delete file, or read an older snapshot");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_deletion_vector(bytes, path);
}

}  // namespace pond::lake
