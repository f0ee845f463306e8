#pragma once
// A file compiled into the binary at build time (cmake/EmbedFiles.cmake).
#include <string>

namespace pond {

struct EmbeddedFile {
  std::string path;  // relative to the folder it was embedded from
  std::string content;
};

}  // namespace pond
