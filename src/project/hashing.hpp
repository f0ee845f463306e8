#pragma once
// Hex digests for dbt-compatible checksums (sha256 of files) and test names/ids (md5).
#include <string>
#include <string_view>

namespace pond::project {

std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace pond::project
