#pragma once
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string_view>

namespace pond {

// Writes `content` to a temporary file next to `path` and renames it over `path`, so readers
// see the old file or the new one, never half of it. Creates the parent folder. Throws
// UserError naming the file when it cannot be written.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);
// The same for large files written piece by piece (manifest.json): `write` fills the stream.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

}  // namespace pond
