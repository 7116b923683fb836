// SentencePiece's precompiled normalization rules (tokenizer.ggml.precompiled_charsmap, the
// normalizer_spec.precompiled_charsmap of a .model file): a darts-clone double-array trie over
// input byte strings whose values point into a block of NUL-terminated replacement strings.
//
// Layout (little-endian): uint32 trie size in bytes, the trie (uint32 units), the replacements.
// A unit packs, as darts-clone writes it: label in bits 0-7 (bit 31 set for value units, so no
// byte matches them), has-leaf in bit 8, and the offset to the children in bits 10-30, shifted
// left by 8 more when bit 9 is set. From node index i, byte c leads to i ^ offset(unit[i]) ^ c,
// valid when that unit's label is c; a node with a leaf has its value unit at
// child ^ offset(child unit), whose low 31 bits are the replacement's byte offset.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace slimllm {

class Charsmap {
 public:
  Charsmap() = default;
  // Throws Error when the blob is truncated or its sizes disagree.
  explicit Charsmap(std::string_view blob);

  bool empty() const { return units_.empty(); }

  // The longest rule matching a prefix of `text`: its length in input bytes (0 when none) and
  // its replacement.
  struct Match {
    size_t length = 0;
    std::string_view replacement;
  };
  // Throws Error when the trie leads outside itself or a value outside the replacements.
  Match longest_prefix(std::string_view text) const;

 private:
  uint32_t unit(size_t index) const;

  std::vector<uint32_t> units_;
  std::string_view replacements_;  // points into replacement_bytes_
  std::vector<char> replacement_bytes_;
};

}  // namespace slimllm
