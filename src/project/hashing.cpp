#include "project/hashing.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace pond::project {

namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string digest_hex(const EVP_MD* md, std::string_view data) {
  // One context per thread, reset for each digest: EVP_Digest allocates and frees one per
  // call, which cost as much as hashing a model file.
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    throw std::runtime_error("OpenSSL digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHex[out[i] >> 4];
    hex[2 * i + 1] = kHex[out[i] & 0xf];
  }
  return hex;
}

}  // namespace

// Fetched once: EVP_md5()/EVP_sha256() make OpenSSL 3 look the algorithm up on every digest,
// which cost more than hashing a model file. The fetched objects are immutable and thread-safe.
std::string md5_hex(std::string_view data) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return digest_hex(md ? md : EVP_md5(), data);
}
std::string sha256_hex(std::string_view data) {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return digest_hex(md ? md : EVP_sha256(), data);
}

}  // namespace pond::project
