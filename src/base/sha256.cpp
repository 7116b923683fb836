#include "base/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace slimllm {

struct Sha256::State {
  EVP_MD_CTX* context = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  if (state_->context == nullptr || EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
    fail("sha256: OpenSSL could not start a digest");
}

Sha256::~Sha256() {
  if (state_ && state_->context) EVP_MD_CTX_free(state_->context);
}

Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(state_->context, data, size);
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest, &length);
  EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string Sha256::hex(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex_digest();
}

std::string Sha256::hex_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) fail(path, ": cannot open: ", std::strerror(errno));
  Sha256 hash;
  std::string buffer(1 << 20, '\0');
  while (true) {
    size_t got = std::fread(buffer.data(), 1, buffer.size(), file);
    if (got > 0) hash.update(buffer.data(), got);
    if (got < buffer.size()) break;
  }
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) fail(path, ": read error while hashing");
  return hash.hex_digest();
}

}  // namespace slimllm
