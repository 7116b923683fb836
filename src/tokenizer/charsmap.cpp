#include "tokenizer/charsmap.h"

#include <cstring>

#include "base/error.h"

namespace slimllm {
namespace {

uint32_t read_le32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

uint32_t offset_of(uint32_t unit) {
  return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}
uint32_t label_of(uint32_t unit) {
  return unit & ((1u << 31) | 0xFF);
}
bool has_leaf(uint32_t unit) {
  return (unit >> 8) & 1;
}
uint32_t value_of(uint32_t unit) {
  return unit & ((1u << 31) - 1);
}

}  // namespace

Charsmap::Charsmap(std::string_view blob) {
  if (blob.size() < 4) fail("precompiled_charsmap of ", blob.size(), " bytes is truncated");
  uint32_t trie_bytes = read_le32(blob.data());
  if (trie_bytes % 4 != 0 || trie_bytes == 0 || uint64_t{trie_bytes} + 4 > blob.size())
    fail("precompiled_charsmap announces a ", trie_bytes, "-byte trie in ", blob.size(), " bytes");
  units_.resize(trie_bytes / 4);
  for (size_t i = 0; i < units_.size(); ++i) units_[i] = read_le32(blob.data() + 4 + 4 * i);
  std::string_view rest = blob.substr(4 + trie_bytes);
  replacement_bytes_.assign(rest.begin(), rest.end());
  replacement_bytes_.push_back('\0');  // a last string without its NUL still ends
  replacements_ = std::string_view(replacement_bytes_.data(), replacement_bytes_.size());
}

uint32_t Charsmap::unit(size_t index) const {
  if (index >= units_.size())
    fail("precompiled_charsmap trie leads to unit ", index, " of ", units_.size());
  return units_[index];
}

Charsmap::Match Charsmap::longest_prefix(std::string_view text) const {
  Match match;
  if (units_.empty()) return match;
  size_t node = offset_of(unit(0));
  for (size_t i = 0; i < text.size(); ++i) {
    uint8_t c = static_cast<uint8_t>(text[i]);
    if (c == 0) break;  // the rules are C strings
    node ^= c;
    uint32_t u = unit(node);
    if (label_of(u) != c) break;
    node ^= offset_of(u);
    if (has_leaf(u)) {
      uint32_t value = value_of(unit(node));
      if (value >= replacements_.size())
        fail("precompiled_charsmap replacement offset ", value, " is outside its ",
             replacements_.size() - 1, " bytes");
      match.length = i + 1;
      match.replacement = replacements_.substr(value);
      match.replacement = match.replacement.substr(0, match.replacement.find('\0'));
    }
  }
  return match;
}

}  // namespace slimllm
