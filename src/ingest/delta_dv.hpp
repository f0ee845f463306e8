#pragma once
// A Delta deletion vector (the Delta protocol, "Deletion Vector Format"): the rows of a data
// file that are deleted, stored inline in the log (Z85) or in a file next to the data
// (`deletion_vector_<uuid>.bin`: a version byte, then at the descriptor's offset a big-endian
// size, the bitmaps after the magic 1681511377, and a big-endian CRC-32 of them).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ingest/delta_log.hpp"

namespace pond::ingest {

// The deleted row positions (ascending) of `dv` of a file of `table`. A missing or corrupt
// file, a wrong checksum or a count that differs from the log's cardinality: UserError (exit 1)
// starting with `who` and naming the file.
std::vector<std::int64_t> read_delta_deletion_vector(const std::filesystem::path& table,
                                                     const DeltaDeletionVector& dv, const std::string& who);

// Z85 (ZeroMQ's base-85) decoding; nullopt when the text is not Z85 or not a multiple of 5.
std::optional<std::vector<unsigned char>> z85_decode(std::string_view text);

}  // namespace pond::ingest
