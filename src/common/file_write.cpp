#include "common/file_write.hpp"

#include <unistd.h>

#include <fstream>
#include <system_error>
#include <thread>

#include "common/error.hpp"
#include "common/scope_guard.hpp"

namespace pond {

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  });
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  // Unique per process and thread, so two writers of one file never share a temporary.
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()) % 100000);
  ScopeGuard remove_tmp([&] { std::filesystem::remove(tmp, ec); });
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    write(out);
    out.flush();
    if (!out)
      throw UserError("cannot write " + tmp.string(),
                      "check that the folder is writable and the disk is not full");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw UserError("cannot replace " + path.string() + ": " + ec.message());
  remove_tmp.dismiss();
}

}  // namespace pond
