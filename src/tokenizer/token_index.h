// Token text -> id lookup, built once per vocabulary. Open addressing over ids with the hash
// kept beside them: the encoders look texts up for nearly every symbol pair, and a node-based
// map of 150,000 strings costs both time and megabytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

class TokenIndex {
 public:
  // Indexes texts[id] for every id where include[id] is true; a repeated text keeps its
  // first id. Lookups take the same texts (the index stores ids, not strings).
  void build(const std::vector<std::string>& texts, const std::vector<uint8_t>& include);
  // -1 when absent.
  int32_t find(const std::vector<std::string>& texts, std::string_view text) const;

 private:
  static uint64_t hash(std::string_view text);
  std::vector<int32_t> ids_;      // per slot; -1 empty
  std::vector<uint32_t> hashes_;  // per slot: the low bits of the text's hash
  uint64_t mask_ = 0;
};

}  // namespace slimllm
