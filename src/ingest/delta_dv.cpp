#include "ingest/delta_dv.hpp"

#include <zlib.h>

#include <array>
#include <cstring>
#include <fstream>
#include <optional>

#include "common/error.hpp"
#include "lake/deletion_vector.hpp"

namespace pond::ingest {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kZ85 =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr std::uint32_t kMagic = 1681511377;

std::uint32_t load_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

[[noreturn]] void fail(const std::string& who, const std::string& where, const std::string& what) {
  throw UserError(who + ": Delta deletion vector " + where + ": " + what,
                  "the table's deletion vectors are damaged or missing; check the table with its writer",
                  ExitCode::kStepFailed);
}

// A UUID's 16 bytes as text (8-4-4-4-12 hex digits).
std::string uuid_text(const std::vector<unsigned char>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

std::vector<std::int64_t> decode(std::span<const unsigned char> data, const DeltaDeletionVector& dv,
                                 const std::string& who, const std::string& where) {
  if (data.size() < 4) fail(who, where, "too small");
  std::uint32_t magic;
  std::memcpy(&magic, data.data(), 4);  // little-endian, as x86/ARM hosts
  if (magic != kMagic) fail(who, where, "not a roaring bitmap array (wrong magic number)");
  std::vector<std::int64_t> rows;
  try {
    rows = lake::decode_roaring_positions(data.subspan(4), where);
  } catch (const UserError& e) {
    fail(who, where, e.message());
  }
  if (static_cast<std::int64_t>(rows.size()) != dv.cardinality)
    fail(who, where,
         "holds " + std::to_string(rows.size()) + " rows, the log says " + std::to_string(dv.cardinality));
  return rows;
}

}  // namespace

std::optional<std::vector<unsigned char>> z85_decode(std::string_view text) {
  if (text.size() % 5 != 0) return std::nullopt;
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < text.size(); i += 5) {
    std::uint64_t v = 0;
    for (std::size_t j = 0; j < 5; ++j) {
      auto at = kZ85.find(text[i + j]);
      if (at == std::string_view::npos) return std::nullopt;
      v = v * 85 + at;
    }
    if (v > 0xFFFFFFFFu) return std::nullopt;
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
  }
  return out;
}

std::vector<std::int64_t> read_delta_deletion_vector(const fs::path& table, const DeltaDeletionVector& dv,
                                                     const std::string& who) {
  if (dv.storage_type == "i") {
    auto bytes = z85_decode(dv.path_or_inline);
    std::string where = "inline in the log";
    if (!bytes || static_cast<std::int64_t>(bytes->size()) < dv.size_in_bytes)
      fail(who, where, "not Z85 text of " + std::to_string(dv.size_in_bytes) + " bytes");
    return decode(std::span(*bytes).first(static_cast<std::size_t>(dv.size_in_bytes)), dv, who, where);
  }
  fs::path file;
  if (dv.storage_type == "u") {
    // <random prefix folder><20 Z85 characters of the UUID>
    const std::string& p = dv.path_or_inline;
    if (p.size() < 20) fail(who, p, "a UUID deletion vector needs 20 characters of Z85");
    auto uuid = z85_decode(std::string_view(p).substr(p.size() - 20));
    if (!uuid) fail(who, p, "the UUID is not Z85 text");
    std::string prefix = p.substr(0, p.size() - 20);
    file = (prefix.empty() ? table : table / prefix) / ("deletion_vector_" + uuid_text(*uuid) + ".bin");
  } else if (dv.storage_type == "p") {
    file = delta_file_path(table, dv.path_or_inline, who);
  } else {
    fail(who, dv.path_or_inline, "unknown storage type '" + dv.storage_type + "'");
  }
  std::string where = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(who, where, "the file is missing or cannot be read");
  std::int64_t offset = dv.offset.value_or(1);  // after the format's version byte
  in.seekg(0, std::ios::end);
  auto file_size = static_cast<std::int64_t>(in.tellg());
  if (offset < 1 || offset + 4 + dv.size_in_bytes + 4 > file_size)
    fail(who, where,
         "the log says " + std::to_string(dv.size_in_bytes) + " bytes at offset " + std::to_string(offset) +
             ", the file has " + std::to_string(file_size));
  std::vector<unsigned char> bytes(static_cast<std::size_t>(dv.size_in_bytes) + 8);
  in.seekg(offset);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in)
    fail(who, where,
         "cannot read " + std::to_string(bytes.size()) + " bytes at offset " + std::to_string(offset));
  std::uint32_t size = load_be32(bytes.data());
  if (size != dv.size_in_bytes)
    fail(who, where,
         "its size field says " + std::to_string(size) + " bytes, the log " +
             std::to_string(dv.size_in_bytes));
  const unsigned char* data = bytes.data() + 4;
  std::uint32_t stored = load_be32(data + size);
  auto crc = static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, size));
  if (crc != stored) fail(who, where, "checksum mismatch");
  return decode({data, size}, dv, who, where);
}

}  // namespace pond::ingest
