#include "project/file_parser.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/error.hpp"
#include "common/text.hpp"
#include "project/env_render.hpp"
#include "project/hashing.hpp"
#include "project/sql_scan.hpp"
#include "project/yaml_tree.hpp"

namespace pond::project {

namespace {

// Plain POSIX reads: an ifstream's locale set-up cost more than reading a small model file.
std::string read_all(const ProjectSourceFile& f) {
  auto fail = [&] {
    throw UserError(SourceLocation{f.original_file_path},
                    std::string("cannot read file: ") + std::strerror(errno));
  };
  int fd = ::open(f.absolute.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail();
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail();
  std::string s;
  s.resize(static_cast<std::size_t>(st.st_size) + 1);  // +1: end of file is seen without growing
  std::size_t got = 0;
  while (true) {
    if (got == s.size()) s.resize(s.size() + 4096);  // the file grew, or st_size was 0 (procfs)
    ssize_t n = ::read(fd, s.data() + got, s.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail();
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  s.resize(got);
  return s;
}

std::string stem_of(const std::string& path) {
  std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  return name.substr(0, name.rfind('.'));
}

std::vector<std::string> folder_parts(const std::string& path) {
  std::vector<std::string> parts = split(path, '/');
  if (!parts.empty()) parts.pop_back();
  return parts;
}

Node base_node(const ProjectSourceFile& f, ResourceType type, const std::string& package,
               const std::string& name) {
  Node n;
  n.resource_type = type;
  n.package_name = package;
  n.name = name;
  n.unique_id = std::string(to_string(type)) + "." + package + "." + name;
  n.path = f.path;
  n.original_file_path = f.original_file_path;
  n.fqn.push_back(package);
  for (auto& p : folder_parts(f.path)) n.fqn.push_back(p);
  n.fqn.push_back(name);
  return n;
}

void apply_scan(Node& n, SqlScan scan) {
  n.refs = std::move(scan.refs);
  n.sources = std::move(scan.sources);
  n.unrendered_config = std::move(scan.config);
  n.depends_on_macros = std::move(scan.calls);
  n.needs_rendering = scan.dynamic;
}

Macro make_macro(const ProjectSourceFile& f, const std::string& package, std::string_view text,
                 const JinjaBlock& b) {
  Macro m;
  m.name = b.kind == "test" ? "test_" + b.name : b.name;
  if (b.kind == "materialization") {
    std::string_view tag = text.substr(b.begin, b.body_begin - b.begin);
    std::string adapter = "default";
    if (auto a = tag.find("adapter"); a != std::string_view::npos) {
      auto q = tag.find_first_of("'\"", a);
      if (q != std::string_view::npos) {
        auto q2 = tag.find(tag[q], q + 1);
        if (q2 != std::string_view::npos) adapter = std::string(tag.substr(q + 1, q2 - q - 1));
      }
    }
    m.name = "materialization_" + b.name + "_" + adapter;
  }
  m.package_name = package;
  m.unique_id = "macro." + package + "." + m.name;
  m.path = f.path;
  m.original_file_path = f.original_file_path;
  m.macro_sql = std::string(text.substr(b.begin, b.end - b.begin));
  m.arguments = b.arguments;
  m.line = b.line;
  SqlScan scan = scan_sql(text.substr(b.body_begin, b.body_end - b.body_begin));
  m.records_calls = scan.dynamic || !scan.refs.empty() || !scan.sources.empty() || !scan.config.empty();
  m.depends_on_macros = std::move(scan.calls);
  return m;
}

}  // namespace

FileResult parse_project_file(const ProjectSourceFile& f, const std::string& package) {
  FileResult out;
  switch (f.kind) {
    case FileKind::kSchema: {
      // Errors name the path relative to the project, as the user knows it.
      // env_var() is rendered in every YAML file pond reads, as dbt does.
      std::string text = render_env_vars(read_all(f), f.original_file_path);
      YamlTree yaml = YamlTree::parse(text, f.original_file_path);
      out.schema = parse_schema_file(yaml, package, f.original_file_path, f.path);
      return out;
    }
    case FileKind::kSeed: {
      std::string text = read_all(f);
      Node n = base_node(f, ResourceType::kSeed, package, stem_of(f.path));
      n.checksum = sha256_hex(text);
      out.nodes.push_back(std::move(n));
      return out;
    }
    case FileKind::kModel:
    case FileKind::kSingularTest:
    case FileKind::kAnalysis: {
      std::string text = read_all(f);
      ResourceType type = f.kind == FileKind::kModel          ? ResourceType::kModel
                          : f.kind == FileKind::kSingularTest ? ResourceType::kTest
                                                              : ResourceType::kAnalysis;
      Node n = base_node(f, type, package, stem_of(f.path));
      n.checksum = sha256_hex(text);
      apply_scan(n, scan_sql(text));
      n.raw_code = std::move(text);
      out.nodes.push_back(std::move(n));
      return out;
    }
    case FileKind::kPythonModel: {
      // dbt parses the Python (its dbt.ref/source/config calls with literal arguments); the
      // model is compiled and run by python3 at run time (dbt/python_model.hpp).
      std::string text = read_all(f);
      Node n = base_node(f, ResourceType::kModel, package, stem_of(f.path));
      n.checksum = sha256_hex(text);
      n.language = "python";
      SqlScan scan = scan_python(text);
      n.refs = std::move(scan.refs);
      n.sources = std::move(scan.sources);
      n.unrendered_config = std::move(scan.config);
      n.raw_code = std::move(text);
      out.nodes.push_back(std::move(n));
      return out;
    }
    case FileKind::kSnapshot: {
      std::string text = read_all(f);
      std::string checksum = sha256_hex(text);
      for (const JinjaBlock& b : find_blocks(text, f.original_file_path)) {
        if (b.kind != "snapshot") continue;
        Node n = base_node(f, ResourceType::kSnapshot, package, b.name);
        // dbt puts the file name into a snapshot's fqn.
        n.fqn.insert(n.fqn.end() - 1, stem_of(f.path));
        n.checksum = checksum;
        n.raw_code = text.substr(b.body_begin, b.body_end - b.body_begin);
        apply_scan(n, scan_sql(n.raw_code));
        for (auto& r : n.refs) r.line += b.line - 1;
        for (auto& s : n.sources) s.line += b.line - 1;
        out.nodes.push_back(std::move(n));
      }
      return out;
    }
    case FileKind::kMacro: {
      std::string text = read_all(f);
      for (const JinjaBlock& b : find_blocks(text, f.original_file_path)) {
        if (b.kind == "macro" || b.kind == "test" || b.kind == "materialization") {
          out.macros.push_back(make_macro(f, package, text, b));
        } else if (b.kind == "docs") {
          out.docs.push_back(DocBlock{"doc." + package + "." + b.name, b.name, package, f.original_file_path,
                                      text.substr(b.body_begin, b.body_end - b.body_begin)});
        }
      }
      return out;
    }
    case FileKind::kDocs: {
      std::string text = read_all(f);
      for (const JinjaBlock& b : find_blocks(text, f.original_file_path)) {
        if (b.kind != "docs") continue;
        std::string body = text.substr(b.body_begin, b.body_end - b.body_begin);
        out.docs.push_back(DocBlock{"doc." + package + "." + b.name, b.name, package, f.original_file_path,
                                    std::string(trim(body))});
      }
      return out;
    }
  }
  return out;
}

}  // namespace pond::project
