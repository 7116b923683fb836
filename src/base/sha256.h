// SHA-256 (OpenSSL), incremental, with the lowercase hex form Ollama's digests use.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace slimllm {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest as 64 lowercase hex characters; the object is reset afterwards.
  std::string hex_digest();

  static std::string hex(std::string_view data);
  // Hashes a whole file; throws Error naming the path on failure.
  static std::string hex_file(const std::string& path);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace slimllm
