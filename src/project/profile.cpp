#include "project/profile.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "common/error.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "project/env_render.hpp"
#include "project/yaml_file.hpp"

namespace pond::project {

namespace fs = std::filesystem;

fs::path find_profiles_file(const ProfileRequest& request) {
  std::vector<fs::path> tried;
  auto candidate = [&](const fs::path& dir) -> std::optional<fs::path> {
    fs::path p = dir / "profiles.yml";
    tried.push_back(p);
    if (fs::is_regular_file(p)) return p;
    return std::nullopt;
  };
  if (request.profiles_dir) {
    if (auto p = candidate(*request.profiles_dir)) return *p;
    throw UserError("no profiles.yml in --profiles-dir " + request.profiles_dir->string());
  }
  if (const char* env = std::getenv("DBT_PROFILES_DIR"); env && *env) {
    if (auto p = candidate(env)) return *p;
    throw UserError(std::string("no profiles.yml in DBT_PROFILES_DIR=") + env);
  }
  if (auto p = candidate(request.project_root)) return *p;
  if (const char* home = std::getenv("HOME"); home && *home) {
    if (auto p = candidate(fs::path(home) / ".dbt")) return *p;
  }
  std::string list;
  for (const auto& t : tried) list += "\n  " + t.string();
  throw UserError("no profiles.yml found; looked in:" + list,
                  "create one next to dbt_project.yml, or pass --profiles-dir");
}

namespace {

std::string scalar(const YamlFile& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) file.fail(node, "'" + key + ":' must be a single value");
  return node.Scalar();
}

std::vector<std::string> map_keys(const YAML::Node& node) {
  std::vector<std::string> keys;
  for (const auto& kv : node) keys.push_back(kv.first.Scalar());
  return keys;
}

// A DuckLake entry of dbt-duckdb's `attach:` list becomes the target's lake: path
std::chrono::seconds duration_of(const YamlFile& file, const YAML::Node& node, const std::string& key,
                                 const char* example) {
  std::string text = scalar(file, node, key);
  auto d = parse_duration(text);
  if (!d || d->count() <= 0)
    file.fail(node, "'" + key + ":' must be a duration such as 30d, 12h, 10m or P30D, not '" + text + "'",
              example);
  return *d;
}

// `keep: {snapshots: 30d, min: 10}`; both keys checked here, so a typo never means "keep
// nothing" or "keep everything".
LakeKeep keep_policy(const YamlFile& file, const YAML::Node& node) {
  const char* example = "keep: {snapshots: 30d, min: 10}";
  if (!node.IsMap()) file.fail(node, "'keep:' must be a mapping", example);
  LakeKeep keep;
  bool has_age = false;
  for (const auto& k : node) {
    const std::string key = k.first.Scalar();
    if (key == "snapshots") {
      keep.snapshots_text = scalar(file, k.second, key);
      keep.snapshots = duration_of(file, k.second, key, example);
      has_age = true;
    } else if (key == "min") {
      try {
        keep.min = k.second.as<int>();
      } catch (const YAML::Exception&) {
        file.fail(k.second, "'min:' must be a whole number of snapshots", example);
      }
      if (keep.min < 1)
        file.fail(k.second, "'min:' must be at least 1 (the latest snapshot is always kept)", example);
    } else {
      file.fail(k.first, "unknown key '" + key + "' in 'keep:'", "the keys are snapshots and min");
    }
  }
  if (!has_age) file.fail(node, "'keep:' needs 'snapshots:' (how long snapshots are kept)", example);
  return keep;
}

// 'ducklake:<catalog>' (or is_ducklake: true), options.data_path, and its alias as the
// database the models live in. Returns false when no entry is a lake.
bool attached_lake(const YamlFile& file, const YAML::Node& list, TargetConfig& out) {
  for (const auto& entry : list) {
    if (!entry.IsMap() || !entry["path"]) continue;
    std::string path = scalar(file, entry["path"], "path");
    bool flagged =
        entry["is_ducklake"] && entry["is_ducklake"].IsScalar() && entry["is_ducklake"].Scalar() == "true";
    if (path.rfind("ducklake:", 0) != 0 && !flagged) continue;
    if (out.lake)
      file.fail(entry, "the target has a second lake", "pond writes models into one lake per target");
    LakeTarget lake;
    lake.catalog = path.rfind("ducklake:", 0) == 0 ? path.substr(9) : path;
    if (const YAML::Node options = entry["options"]; options && options.IsMap() && options["data_path"])
      lake.data_path = scalar(file, options["data_path"], "data_path");
    if (entry["data_path"]) lake.data_path = scalar(file, entry["data_path"], "data_path");
    if (lake.catalog.empty()) file.fail(entry["path"], "the ducklake attach entry names no catalog");
    if (entry["alias"]) out.database = scalar(file, entry["alias"], "alias");
    out.lake = lake;
  }
  return out.lake.has_value();
}

// Renders every scalar below `node` in place (a map's keys are left as written).
void render_scalars(YAML::Node node, const std::string& file, const ProfileRequest& request) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text.find("{{") == std::string::npos && text.find("{%") == std::string::npos) return;
    YAML::Mark m = node.Mark();
    std::string where = file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    node = request.render ? request.render(text, where) : render_env_vars(text, where);
  } else if (node.IsMap()) {
    for (auto kv : node) render_scalars(kv.second, file, request);
  } else if (node.IsSequence()) {
    for (auto item : node) render_scalars(item, file, request);
  }
}

LakeS3 lake_s3(const YamlFile& file, const YAML::Node& node) {
  if (!node.IsMap())
    file.fail(node, "'s3:' must be a mapping", "s3: {endpoint: http://127.0.0.1:9000, region: us-east-1}");
  LakeS3 out;
  auto flag = [&](const YAML::Node& v, const std::string& key) {
    std::string text = scalar(file, v, key);
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
    file.fail(v, "'" + key + ":' must be true or false");
  };
  for (const auto& e : node) {
    const std::string key = e.first.Scalar();
    if (key == "endpoint") {
      out.endpoint = scalar(file, e.second, key);
      if (!out.endpoint.starts_with("http://") && !out.endpoint.starts_with("https://"))
        file.fail(e.second, "'endpoint:' must start with http:// or https://",
                  "endpoint: http://127.0.0.1:9000");
    } else if (key == "region") {
      out.region = scalar(file, e.second, key);
    } else if (key == "url_style") {
      std::string style = scalar(file, e.second, key);
      if (style != "path" && style != "vhost") file.fail(e.second, "'url_style:' is path or vhost");
      out.path_style = style == "path";
    } else if (key == "ca_file") {
      out.ca_file = scalar(file, e.second, key);
    } else if (key == "verify_tls") {
      out.verify_tls = flag(e.second, key);
    } else if (key == "access_key_id") {
      out.access_key_id = scalar(file, e.second, key);
    } else if (key == "secret_access_key") {
      out.secret_access_key = scalar(file, e.second, key);
    } else if (key == "session_token") {
      out.session_token = scalar(file, e.second, key);
    } else if (key == "profile") {
      out.profile = scalar(file, e.second, key);
    } else if (key == "cache_size_mb") {
      try {
        out.cache_bytes = e.second.as<std::uint64_t>() << 20;
      } catch (const YAML::Exception&) {
        file.fail(e.second, "'cache_size_mb:' must be a whole number");
      }
    } else {
      file.fail(e.first, "unknown key '" + key + "' in 's3:'",
                "the keys are endpoint, region, url_style, ca_file, verify_tls, access_key_id, "
                "secret_access_key, session_token, profile and cache_size_mb");
    }
  }
  return out;
}

}  // namespace

TargetConfig load_target(const ProfileRequest& request) {
  TargetConfig out;
  out.profiles_file = find_profiles_file(request);
  out.profile_name = request.profile_name;
  YamlFile file = YamlFile::load(out.profiles_file, {}, false);
  const YAML::Node& doc = file.root();
  if (!doc.IsMap()) file.fail(doc, "profiles.yml must map profile names to profiles");

  const YAML::Node profile = doc[request.profile_name];
  if (!profile) {
    std::vector<std::string> names = map_keys(doc);
    std::string guess = closest_match(request.profile_name, names);
    file.fail(
        doc, "profile '" + request.profile_name + "' (named by dbt_project.yml) is not in profiles.yml",
        guess.empty() ? "add it, or set 'profile:' in dbt_project.yml" : "did you mean '" + guess + "'?");
  }
  if (!profile.IsMap())
    file.fail(profile, "profile '" + request.profile_name + "' must be a mapping with 'outputs:'");
  const YAML::Node outputs = profile["outputs"];
  if (!outputs || !outputs.IsMap() || outputs.size() == 0) {
    file.fail(outputs ? outputs : profile,
              "profile '" + request.profile_name + "' needs 'outputs:' with at least one target");
  }

  if (request.target) {
    out.target_name = *request.target;
  } else if (YAML::Node t = profile["target"]) {
    render_scalars(t, file.name(), request);
    out.target_name = scalar(file, t, "target");
  } else {
    out.target_name = "dev";  // dbt's default
  }
  YAML::Node output = outputs[out.target_name];
  if (output) render_scalars(output, file.name(), request);
  if (!output) {
    std::vector<std::string> names = map_keys(outputs);
    std::string guess = closest_match(out.target_name, names);
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    file.fail(outputs,
              "target '" + out.target_name + "' is not an output of profile '" + request.profile_name + "'",
              guess.empty() ? "the outputs are: " + all : "did you mean '" + guess + "'?");
  }
  if (!output.IsMap())
    file.fail(output, "target '" + out.target_name + "' must be a mapping (type:, path:, ...)");

  const YAML::Node type = output["type"];
  if (!type)
    file.fail(output, "target '" + out.target_name + "' has no 'type:'", "pond runs targets of type: duckdb");
  out.type = scalar(file, type, "type");
  if (out.type != "duckdb") {
    file.fail(type,
              "target '" + out.target_name + "' has type '" + out.type + "'; pond runs type: duckdb targets");
  }

  for (const auto& kv : output) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& value = kv.second;
    if (key == "type") continue;
    if (key == "path") {
      out.path = scalar(file, value, key);
    } else if (key == "schema") {
      out.schema = scalar(file, value, key);
    } else if (key == "database") {
      out.database = scalar(file, value, key);
    } else if (key == "threads") {
      try {
        out.threads = value.as<int>();
      } catch (const YAML::Exception&) {
        file.fail(value, "'threads:' must be a whole number");
      }
      if (out.threads < 1) file.fail(value, "'threads:' must be at least 1");
    } else if (key == "settings") {
      if (!value.IsMap()) file.fail(value, "'settings:' must map DuckDB setting names to values");
      for (const auto& s : value) out.settings[s.first.Scalar()] = scalar(file, s.second, s.first.Scalar());
    } else if (key == "extensions") {
      if (!value.IsSequence()) file.fail(value, "'extensions:' must be a list");
      for (const auto& e : value) out.extensions.push_back(e.IsScalar() ? e.Scalar() : YAML::Dump(e));
    } else if (key == "lake") {
      if (!value.IsMap())
        file.fail(value, "'lake:' must be a mapping",
                  "lake: {catalog: sqlite:lake.sqlite, data_path: lake/}");
      LakeTarget lake;
      for (const auto& l : value) {
        const std::string lkey = l.first.Scalar();
        if (lkey == "catalog")
          lake.catalog = scalar(file, l.second, lkey);
        else if (lkey == "data_path")
          lake.data_path = scalar(file, l.second, lkey);
        else if (lkey == "keep")
          lake.keep = keep_policy(file, l.second);
        else if (lkey == "lock_timeout")
          lake.lock_timeout = duration_of(file, l.second, lkey, "lock_timeout: 10m");
        else if (lkey == "s3")
          lake.s3 = lake_s3(file, l.second);
        else
          file.fail(l.first, "unknown key '" + lkey + "' in 'lake:'",
                    "the keys are catalog, data_path, keep, lock_timeout and s3");
      }
      if (lake.catalog.empty())
        file.fail(value, "'lake:' needs 'catalog:'", "e.g. catalog: sqlite:lake.sqlite");
      out.lake = lake;
    } else if (key == "attach" && value.IsSequence() && attached_lake(file, value, out)) {
      // dbt-duckdb's `attach: [{path: 'ducklake:...', alias: x, is_ducklake: true}]`: the lake.
    } else {
      out.extra[key] = value.IsScalar() ? value.Scalar() : YAML::Dump(value);
    }
  }

  out.project_root = request.project_root;
  if (out.path.empty() || out.path == ":memory:") {
    out.path = ":memory:";
    if (out.database.empty()) out.database = "memory";
  } else {
    fs::path p(out.path);
    out.database_file = p.is_absolute() ? p : (request.project_root / p).lexically_normal();
    if (out.database.empty()) out.database = out.database_file.stem().string();
  }
  return out;
}

}  // namespace pond::project
