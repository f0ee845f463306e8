#pragma once
#include <string>
#include <string_view>

namespace pond {

// Whether the file at `path` holds exactly `content`; a missing or unreadable file does not.
// `buffer` is scratch space reused between calls. Used to leave unchanged generated files
// (target/compiled, target/run) alone: comparing is cheaper than rewriting, and an unchanged
// file keeps its modification time. Plain POSIX reads: an ifstream's set-up cost more than the
// comparison for tens of thousands of small files.
bool file_holds(const std::string& path, std::string_view content, std::string& buffer);

}  // namespace pond
