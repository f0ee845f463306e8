#include "common/file_content.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace pond {

bool file_holds(const std::string& path, std::string_view content, std::string& buffer) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  buffer.resize(content.size() + 1);  // one byte more: a longer file is seen as different
  std::size_t got = 0;
  while (got < buffer.size()) {
    ssize_t r = ::read(fd, buffer.data() + got, buffer.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  return got == content.size() && std::equal(content.begin(), content.end(), buffer.begin());
}

}  // namespace pond
