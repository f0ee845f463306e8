#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pond::project {

// Where to look for profiles.yml and which target to use (from the CLI's global flags).
struct ProfileRequest {
  std::filesystem::path project_root;
  std::string profile_name;
  std::optional<std::filesystem::path> profiles_dir;  // --profiles-dir
  std::optional<std::string> target;                  // --target
  // Renders a value of the selected output (and the profile's `target:`), as dbt renders only
  // what it uses; `where` is "profiles.yml:line:col". None: env_var() calls only.
  std::function<std::string(const std::string& text, const std::string& where)> render;
};

// Where a target's lake lives (profile `lake: {catalog: sqlite:lake.sqlite, data_path: lake/}`).
// Relative paths are taken against the project folder by the lake.
// The lake's retention policy (`keep: {snapshots: 30d, min: 10}`): snapshots older than
// `snapshots` expire after each run, except the newest `min`; their files are deleted.
struct LakeKeep {
  std::chrono::seconds snapshots{0};
  std::string snapshots_text;  // as written, for messages
  int min = 10;
};

// `lake: {s3: ...}`: how to reach the object store of a data_path s3://bucket/prefix/.
struct LakeS3 {
  std::string endpoint;  // empty: AWS
  std::string region = "us-east-1";
  bool path_style = true;  // url_style: path (MinIO and most self-hosted stores) or vhost
  std::string ca_file;
  bool verify_tls = true;
  std::string access_key_id, secret_access_key, session_token;  // empty: environment, AWS profile
  std::string profile;
  std::uint64_t cache_bytes = 10ull << 30;
};

struct LakeTarget {
  std::string catalog;    // sqlite:PATH, postgres:CONNINFO or duckdb:PATH
  std::string data_path;  // empty: the data path the catalog stores
  std::optional<LakeKeep> keep;
  std::chrono::seconds lock_timeout{600};  // a writer's wait for another writer of the same table
  LakeS3 s3;
};

// One resolved output of a dbt-duckdb profile. Unknown keys are kept in `extra`.
struct TargetConfig {
  std::filesystem::path profiles_file;
  std::string profile_name;
  std::string target_name;
  std::string type;
  std::string path;                     // as written in the profile; ":memory:" when absent
  std::filesystem::path database_file;  // resolved against the project root; empty in memory
  std::string database;                 // catalog name DuckDB gives it (file stem or "memory")
  std::string schema = "main";
  int threads = 1;
  std::map<std::string, std::string> settings;
  std::vector<std::string> extensions;
  std::map<std::string, std::string> extra;
  std::optional<LakeTarget> lake;
  std::filesystem::path project_root;  // what relative lake paths are resolved against

  bool in_memory() const { return database_file.empty(); }
};

// profiles.yml as dbt finds it: --profiles-dir, then $DBT_PROFILES_DIR, then the project
// folder, then ~/.dbt/. Throws UserError listing the places searched when none has it.
std::filesystem::path find_profiles_file(const ProfileRequest& request);

// Parses profiles.yml and resolves the target; every error names file:line:col.
TargetConfig load_target(const ProfileRequest& request);

}  // namespace pond::project
