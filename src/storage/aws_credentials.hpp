#pragma once
// Where S3 credentials come from, in the order the AWS tools use: given explicitly (pond.yml),
// the environment, then the shared credentials file.
#include <string>

#include "storage/sigv4.hpp"

namespace pond::storage {

// `configured` when its key id is set; else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
// (+ AWS_SESSION_TOKEN); else profile `profile` (or AWS_PROFILE, or "default") of
// AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials. A UserError saying where it looked
// when none has a key pair.
AwsCredentials resolve_aws_credentials(const AwsCredentials& configured, const std::string& profile = {});

}  // namespace pond::storage
