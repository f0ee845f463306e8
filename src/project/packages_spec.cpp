#include "project/packages_spec.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "project/env_render.hpp"
#include "project/yaml_file.hpp"
#include "project/yaml_json.hpp"

namespace pond::project {

namespace fs = std::filesystem;

std::string sha1_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

namespace {

// json.dumps(value, sort_keys=True) as Python spells it (", " and ": " separators), so the
// hash follows dbt's recipe.
std::string python_json(const nlohmann::json& v) {
  if (v.is_object()) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, item] : v.items()) {  // nlohmann's object keeps keys sorted
      if (!first) s += ", ";
      first = false;
      s += nlohmann::json(k).dump() + ": " + python_json(item);
    }
    return s + "}";
  }
  if (v.is_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + python_json(v[i]);
    return s + "]";
  }
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump(-1, ' ', true);
}

SourceLocation location_of(const YamlFile& file, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return SourceLocation{file.name(), m.line + 1, m.column + 1};
}

std::string scalar_of(const YamlFile& file, const YAML::Node& entry, const char* key) {
  YAML::Node v = entry[key];
  if (!v) return {};
  if (!v.IsScalar() || v.Scalar().empty())
    file.fail(v, std::string("'") + key + ":' must be a non-empty string");
  return v.Scalar();
}

PackageSpec parse_entry(const YamlFile& file, const YAML::Node& entry) {
  if (!entry.IsMap()) {
    file.fail(entry, "a package entry must be a mapping",
              "e.g. '- package: dbt-labs/dbt_utils' with 'version:', '- git: URL' or '- local: PATH'");
  }
  PackageSpec p;
  p.where = location_of(file, entry);
  int kinds = 0;
  if (entry["local"]) {
    p.kind = PackageKind::kLocal;
    p.local = scalar_of(file, entry, "local");
    ++kinds;
  }
  if (entry["git"]) {
    p.kind = PackageKind::kGit;
    p.git = scalar_of(file, entry, "git");
    p.revision = scalar_of(file, entry, "revision");
    p.subdirectory = scalar_of(file, entry, "subdirectory");
    ++kinds;
  }
  if (entry["tarball"]) {
    p.kind = PackageKind::kTarball;
    p.tarball = scalar_of(file, entry, "tarball");
    ++kinds;
  }
  if (entry["package"]) {
    p.kind = PackageKind::kHub;
    p.hub = scalar_of(file, entry, "package");
    if (std::count(p.hub.begin(), p.hub.end(), '/') != 1 || p.hub.front() == '/' || p.hub.back() == '/')
      file.fail(entry["package"], "'" + p.hub + "' is not a hub package name",
                "hub packages are 'owner/name', e.g. dbt-labs/dbt_utils");
    YAML::Node v = entry["version"];
    if (v && v.IsScalar()) {
      p.version.push_back(v.Scalar());
    } else if (v && v.IsSequence()) {
      for (const auto& item : v) {
        if (!item.IsScalar()) file.fail(item, "'version:' must be a version or a list of constraints");
        p.version.push_back(item.Scalar());
      }
    }
    if (p.version.empty()) {
      file.fail(v ? v : entry, "the hub package '" + p.hub + "' needs a 'version:'",
                "e.g. version: [\">=1.0.0\", \"<2.0.0\"]");
    }
    ++kinds;
  }
  if (kinds != 1) {
    file.fail(entry,
              kinds == 0
                  ? "a package entry needs one of 'package:', 'git:', 'local:' or 'tarball:'"
                  : "a package entry must have only one of 'package:', 'git:', 'local:' or 'tarball:'");
  }
  if (YAML::Node pre = entry["install-prerelease"])
    p.install_prerelease = pre.IsScalar() && pre.Scalar() == "true";
  p.name = scalar_of(file, entry, "name");
  if (p.kind == PackageKind::kTarball && p.name.empty())
    file.fail(entry, "a tarball package needs a 'name:'");
  return p;
}

struct ParsedList {
  std::vector<PackageSpec> specs;
  std::vector<std::string> hashed;  // python_json of each entry
};

std::optional<ParsedList> parse_list(const fs::path& path, const std::string& display) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  YamlFile file = YamlFile::parse(render_env_vars(buf.str(), display), display);
  const YAML::Node& root = file.root();
  if (root.IsNull()) return std::nullopt;
  if (!root.IsMap()) file.fail(root, "must be a mapping with a 'packages:' list");
  YAML::Node list = root["packages"];
  if (!list || list.IsNull()) return std::nullopt;
  if (!list.IsSequence()) file.fail(list, "'packages:' must be a list");
  ParsedList out;
  for (const auto& entry : list) {
    out.specs.push_back(parse_entry(file, entry));
    out.hashed.push_back(python_json(yaml_to_json(entry)));
  }
  return out;
}

}  // namespace

std::string PackageSpec::describe() const {
  switch (kind) {
    case PackageKind::kLocal:
      return "local package " + local;
    case PackageKind::kGit:
      return "git package " + git + (revision.empty() ? "" : " (revision " + revision + ")");
    case PackageKind::kHub:
      return "package " + hub;
    case PackageKind::kTarball:
      return "tarball package " + tarball;
  }
  return {};
}

std::optional<PackagesFile> read_packages_file(const fs::path& root, const std::string& display_prefix) {
  auto packages = parse_list(root / "packages.yml", display_prefix + "packages.yml");
  auto dependencies = parse_list(root / "dependencies.yml", display_prefix + "dependencies.yml");
  if (packages && dependencies) {
    throw UserError(display_prefix + "packages.yml and " + display_prefix +
                        "dependencies.yml both list packages; dbt allows only one of them",
                    "move the entries into one file");
  }
  if (!packages && !dependencies) return std::nullopt;
  ParsedList& list = packages ? *packages : *dependencies;
  PackagesFile out;
  out.display_path = display_prefix + (packages ? "packages.yml" : "dependencies.yml");
  out.packages = std::move(list.specs);
  // dbt: sha1 of the sorted json.dumps(sort_keys=True) of every entry, joined by newlines.
  std::sort(list.hashed.begin(), list.hashed.end());
  std::string joined;
  for (std::size_t i = 0; i < list.hashed.size(); ++i) joined += (i ? "\n" : "") + list.hashed[i];
  out.sha1_hash = sha1_hex(joined);
  return out;
}

std::optional<LockFile> read_lock_file(const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(root / "package-lock.yml", ec)) return std::nullopt;
  YamlFile file = YamlFile::load(root / "package-lock.yml", "package-lock.yml");
  const YAML::Node& doc = file.root();
  if (!doc.IsMap())
    file.fail(doc, "must be a mapping with 'packages:' and 'sha1_hash:'", "delete it and run pond deps");
  LockFile lock;
  if (YAML::Node h = doc["sha1_hash"]; h && h.IsScalar()) lock.sha1_hash = h.Scalar();
  if (YAML::Node list = doc["packages"]; list && list.IsSequence()) {
    for (const auto& entry : list) lock.packages.push_back(parse_entry(file, entry));
  }
  return lock;
}

std::string lock_file_text(const LockFile& lock) {
  // Keys in alphabetical order, as dbt's yaml.safe_dump writes them.
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "packages" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : lock.packages) {
    out << YAML::BeginMap;
    switch (p.kind) {
      case PackageKind::kLocal:
        out << YAML::Key << "local" << YAML::Value << p.local;
        out << YAML::Key << "name" << YAML::Value << p.name;
        break;
      case PackageKind::kGit:
        out << YAML::Key << "git" << YAML::Value << p.git;
        out << YAML::Key << "name" << YAML::Value << p.name;
        out << YAML::Key << "revision" << YAML::Value << p.revision;
        if (!p.subdirectory.empty()) out << YAML::Key << "subdirectory" << YAML::Value << p.subdirectory;
        break;
      case PackageKind::kHub:
        out << YAML::Key << "name" << YAML::Value << p.name;
        out << YAML::Key << "package" << YAML::Value << p.hub;
        out << YAML::Key << "version" << YAML::Value << (p.version.empty() ? "" : p.version.front());
        break;
      case PackageKind::kTarball:
        out << YAML::Key << "name" << YAML::Value << p.name;
        out << YAML::Key << "tarball" << YAML::Value << p.tarball;
        break;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "sha1_hash" << YAML::Value << lock.sha1_hash << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace pond::project
