// bench/parse reference for `pond compile`: the least a program must do to write the files a
// compile writes. Reads every file under SRC (a target/ folder pond wrote) into memory, then,
// timed, writes them under DST the plainest way: each folder created once, each file by
// open/write/close (no fsync), manifest.json to a temporary name and renamed. Prints
// "<wall seconds> <cpu seconds> <files>". DST must not exist (a cold compile's target/).
//   write_reference SRC DST
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace {

double cpu_now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

bool write_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w <= 0) break;
    done += static_cast<std::size_t>(w);
  }
  return ::close(fd) == 0 && done == text.size();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: write_reference SRC DST\n");
    return 2;
  }
  fs::path src(argv[1]), dst(argv[2]);
  std::vector<std::pair<std::string, std::string>> files;  // relative path, content
  std::set<std::string> dirs;
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string rel = fs::relative(e.path(), src).generic_string();
    files.emplace_back(rel, std::string(std::istreambuf_iterator<char>(in), {}));
    for (fs::path d = fs::path(rel).parent_path(); !d.empty(); d = d.parent_path()) dirs.insert(d.generic_string());
  }
  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpu_now();
  ::mkdir(dst.c_str(), 0755);
  for (const auto& d : dirs) ::mkdir((dst / d).c_str(), 0755);  // sorted: parents first
  int failed = 0;
  for (const auto& [rel, text] : files) {
    std::string path = (dst / rel).string();
    if (rel == "manifest.json") {
      failed += write_file(path + ".tmp", text) && ::rename((path + ".tmp").c_str(), path.c_str()) == 0 ? 0 : 1;
    } else {
      failed += write_file(path, text) ? 0 : 1;
    }
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.3f %.3f %zu\n", wall, cpu_now() - c0, files.size());
  return failed == 0 ? 0 : 1;
}
