#include "tokenizer/token_index.h"

#include <cstring>

namespace slimllm {

uint64_t TokenIndex::hash(std::string_view text) {
  // FNV-1a over 8-byte words, then a multiply-xorshift finish: token texts are short.
  uint64_t h = 0xcbf29ce484222325ULL ^ text.size();
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    h = (h ^ word) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, text.data() + i, text.size() - i);
  h = (h ^ tail) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  h ^= h >> 32;
  return h;
}

void TokenIndex::build(const std::vector<std::string>& texts, const std::vector<uint8_t>& include) {
  size_t count = 0;
  for (uint8_t in : include) count += in;
  size_t capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  ids_.assign(capacity, -1);
  hashes_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (size_t id = 0; id < texts.size(); ++id) {
    if (!include[id]) continue;
    const std::string& text = texts[id];
    uint64_t h = hash(text);
    uint64_t slot = h & mask_;
    bool repeated = false;
    while (ids_[slot] >= 0) {
      if (hashes_[slot] == static_cast<uint32_t>(h) && texts[ids_[slot]] == text) {
        repeated = true;
        break;
      }
      slot = (slot + 1) & mask_;
    }
    if (repeated) continue;
    ids_[slot] = static_cast<int32_t>(id);
    hashes_[slot] = static_cast<uint32_t>(h);
  }
}

int32_t TokenIndex::find(const std::vector<std::string>& texts, std::string_view text) const {
  if (ids_.empty()) return -1;
  uint64_t h = hash(text);
  uint64_t slot = h & mask_;
  while (ids_[slot] >= 0) {
    if (hashes_[slot] == static_cast<uint32_t>(h) && texts[ids_[slot]] == text) return ids_[slot];
    slot = (slot + 1) & mask_;
  }
  return -1;
}

}  // namespace slimllm
