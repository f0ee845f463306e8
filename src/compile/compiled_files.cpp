// target/compiled/: one file per compiled node, written with as few system calls as the job
// needs. Creating tens of thousands of small files is the cost of a cold `pond compile` (the file
// system's, not pond's), so each folder is created once with mkdir(2), a file in a folder created
// by this call is written without first looking for an old copy, and files are plain
// open/write/close: no fsync, no temporary name (dbt neither; manifest.json is the artifact
// written atomically). An unchanged file in an existing folder is left alone, so that compiling
// again rewrites only what changed and untouched files keep their modification time.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "common/file_content.hpp"
#include "common/parallel.hpp"
#include "compile/compiler.hpp"

namespace pond::compile {

namespace {

// Creates folders (parents first), each at most once per call; remembers whether each one is new.
class Folders {
 public:
  // True when `dir` did not exist before (then neither did anything inside it).
  bool make(const std::string& dir) {
    if (auto it = made_.find(dir); it != made_.end()) return it->second;
    int r = ::mkdir(dir.c_str(), 0777);
    if (r != 0 && errno == ENOENT) {  // a parent is missing: make it, then this one
      std::size_t slash = dir.find_last_of('/');
      if (slash != std::string::npos && slash > 0) make(dir.substr(0, slash));
      r = ::mkdir(dir.c_str(), 0777);
    }
    if (r != 0 && errno != EEXIST) fail(dir);
    bool fresh = r == 0;
    made_.emplace(dir, fresh);
    return fresh;
  }

 private:
  [[noreturn]] static void fail(const std::string& dir) {
    throw UserError("cannot create folder " + dir + ": " + std::strerror(errno),
                    "check the permissions of the project's target path");
  }
  std::unordered_map<std::string, bool> made_;
};

// Returns an error message, empty on success.
std::string write_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return "cannot write " + path + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += static_cast<std::size_t>(w);
  }
  int write_errno = done == content.size() ? 0 : errno;
  if (::close(fd) != 0 && write_errno == 0) write_errno = errno;
  if (write_errno != 0 || done != content.size())
    return "cannot write " + path + ": " + std::strerror(write_errno != 0 ? write_errno : EIO);
  return {};
}

struct PlannedFile {
  std::size_t node;
  std::string path;
  bool fresh;  // its folder was just created: nothing to compare with
};

}  // namespace

void write_compiled(project::Manifest& m, const std::vector<std::size_t>& nodes,
                    const std::filesystem::path& target_dir) {
  // Paths and folders first (one thread), then compare-or-write on two threads.
  const std::string compiled_dir = (target_dir / "compiled").string();
  const std::string compiled_rel =
      (std::filesystem::path(m.project.target_path) / "compiled").generic_string();
  std::vector<PlannedFile> files;
  files.reserve(nodes.size());
  Folders folders;
  for (std::size_t i : nodes) {
    project::Node& n = m.nodes[i];
    if (!n.compiled) continue;
    std::string rel = n.package_name + '/' + n.original_file_path;
    if (n.test_metadata) rel += "/" + n.alias + ".sql";
    std::string path = compiled_dir + '/' + rel;
    bool fresh = folders.make(path.substr(0, path.find_last_of('/')));
    n.compiled_path = compiled_rel + '/' + rel;
    files.push_back({i, std::move(path), fresh});
  }
  std::vector<std::string> errors(files.size());
  parallel_for(
      files.size(), 2,
      [&](std::size_t k) {
        thread_local std::string existing;  // reused buffer for comparing a file's content
        const PlannedFile& f = files[k];
        const std::string& code = m.nodes[f.node].compiled_code;
        if (!f.fresh && file_holds(f.path, code, existing)) return;
        errors[k] = write_file(f.path, code);
      },
      65);
  for (const auto& e : errors)
    if (!e.empty()) throw UserError(e, "check the permissions and free space of the project's target path");
}

}  // namespace pond::compile
