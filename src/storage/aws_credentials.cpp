#include "storage/aws_credentials.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace pond::storage {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The [profile] section of an AWS credentials file (INI: key = value lines).
AwsCredentials from_file(const std::filesystem::path& file, const std::string& profile) {
  AwsCredentials out;
  std::ifstream in(file);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      inside = trim(line.substr(1, line.find(']') - 1)) == profile;
      continue;
    }
    if (!inside) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") out.access_key_id = value;
    if (key == "aws_secret_access_key") out.secret_access_key = value;
    if (key == "aws_session_token") out.session_token = value;
  }
  return out;
}

}  // namespace

AwsCredentials resolve_aws_credentials(const AwsCredentials& configured, const std::string& profile) {
  if (!configured.access_key_id.empty()) {
    if (configured.secret_access_key.empty())
      throw UserError("the S3 credentials name an access key id but no secret access key",
                      "set secret_access_key (e.g. \"{{ env_var('AWS_SECRET_ACCESS_KEY') }}\")");
    return configured;
  }
  if (!env("AWS_ACCESS_KEY_ID").empty()) {
    AwsCredentials out{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")};
    if (out.secret_access_key.empty())
      throw UserError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not", "set both, or neither");
    return out;
  }
  std::string name = !profile.empty()              ? profile
                     : !env("AWS_PROFILE").empty() ? env("AWS_PROFILE")
                                                   : "default";
  std::filesystem::path file = !env("AWS_SHARED_CREDENTIALS_FILE").empty()
                                   ? std::filesystem::path(env("AWS_SHARED_CREDENTIALS_FILE"))
                                   : std::filesystem::path(env("HOME")) / ".aws" / "credentials";
  AwsCredentials out = from_file(file, name);
  if (out.access_key_id.empty() || out.secret_access_key.empty())
    throw UserError(
        "no S3 credentials: none in pond.yml, none in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and "
        "no key pair for profile '" +
            name + "' in " + file.string(),
        "give access_key_id and secret_access_key under the lake's s3: settings, or set the "
        "AWS_ environment variables");
  return out;
}

}  // namespace pond::storage
