#include "storage/sigv4.hpp"

#include <gtest/gtest.h>

namespace pond::storage {
namespace {

// The examples of AWS's "Signature Calculations for the Authorization Header" page for S3
// (bucket examplebucket, us-east-1, 2013-05-24), with AWS's published signatures.
const AwsCredentials kS3Example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const SigV4Scope kS3Scope{"us-east-1", "s3", "20130524T000000Z"};
const std::string kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Request s3_get(std::string path, std::vector<std::pair<std::string, std::string>> query = {}) {
  SigV4Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.query = std::move(query);
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-content-sha256", kEmptySha}};
  r.payload_sha256 = kEmptySha;
  return r;
}

std::string signature_of(const std::string& authorization) {
  return authorization.substr(authorization.find("Signature=") + 10);
}

TEST(SigV4, S3GetObjectWithRange) {
  SigV4Request r = s3_get("/test.txt");
  r.headers.emplace_back("Range", "bytes=0-9");
  EXPECT_EQ(sigv4_canonical_request(r),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                kEmptySha + "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha);
  EXPECT_EQ(sigv4_string_to_sign(r, kS3Scope),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(sigv4_authorization(r, kS3Scope, kS3Example),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3PutObjectEncodesTheKeyAndSignsExtraHeaders) {
  SigV4Request r;
  r.method = "PUT";
  r.path = "/test$file.text";
  std::string body = "Welcome to Amazon S3.";
  r.payload_sha256 = sha256_hex(body);
  EXPECT_EQ(r.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", r.payload_sha256}};
  EXPECT_NE(sigv4_canonical_request(r).find("\n/test%24file.text\n"), std::string::npos);
  EXPECT_EQ(signature_of(sigv4_authorization(r, kS3Scope, kS3Example)),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, S3GetBucketLifecycleSignsAValuelessQueryParameter) {
  SigV4Request r = s3_get("/", {{"lifecycle", ""}});
  EXPECT_NE(sigv4_canonical_request(r).find("\n/\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(signature_of(sigv4_authorization(r, kS3Scope, kS3Example)),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, S3ListObjectsSortsTheQuery) {
  SigV4Request r = s3_get("/", {{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_NE(sigv4_canonical_request(r).find("\n/\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(signature_of(sigv4_authorization(r, kS3Scope, kS3Example)),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// The generic suite of AWS (aws-sig-v4-test-suite, 2015-08-30, service "service"): get-vanilla,
// and header values trimmed with inner spaces collapsed (get-header-value-trim's rule).
TEST(SigV4, GenericSuiteVanillaAndHeaderTrimming) {
  AwsCredentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  SigV4Scope scope{"us-east-1", "service", "20150830T123600Z"};
  SigV4Request r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.payload_sha256 = kEmptySha;
  EXPECT_EQ(sigv4_authorization(r, scope, creds),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
            "SignedHeaders=host;x-amz-date,"
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  r.headers.emplace_back("My-Header1", " value1");
  r.headers.emplace_back("My-Header2", " \"a   b   c\"");
  EXPECT_NE(sigv4_canonical_request(r).find("my-header1:value1\nmy-header2:\"a b c\"\n"), std::string::npos);
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(uri_encode("a b/c+d~e", true), "a%20b/c%2Bd~e");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(uri_encode("é", false), "%C3%A9");
}

}  // namespace
}  // namespace pond::storage
