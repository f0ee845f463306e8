#pragma once
// Deletion vectors: a delete file of format `puffin` holds one Iceberg `deletion-vector-v1`
// blob (the whole file, as DuckDB's ducklake extension writes it): a big-endian length, the
// magic D1 D3 39 64, a 64-bit count of 32-bit roaring bitmaps (each after its high 32 bits
// of the row position), and a big-endian CRC-32 of magic and bitmaps.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pond::lake {

// The deleted row positions (ascending) of a deletion-vector blob. Throws UserError naming
// `where` when the blob is malformed or its checksum does not match.
std::vector<std::int64_t> decode_deletion_vector(std::span<const unsigned char> blob,
                                                 const std::string& where);

// The row positions (ascending) of a 64-bit count of portable 32-bit roaring bitmaps, each
// after its high 32 bits (little-endian; the "portable" 64-bit layout both Iceberg's and
// Delta's deletion vectors use after their magic). Throws UserError naming `where`.
std::vector<std::int64_t> decode_roaring_positions(std::span<const unsigned char> bitmaps,
                                                   const std::string& where);

// Reads a local deletion-vector file and decodes it.
std::vector<std::int64_t> read_deletion_vector(const std::string& path);

}  // namespace pond::lake
