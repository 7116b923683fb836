// SentencePiece's unigram model (tokenizer.ggml.model = "t5": T5, XLM-RoBERTa and with it
// bge-m3), following llama.cpp: the text is normalized (the precompiled charsmap rules, then
// spaces: an optional prefix space, optionally merged runs, all escaped as ▁), then segmented by
// Viterbi into the pieces whose scores (log probabilities) sum highest.
//
// A character no piece covers costs the lowest piece score minus 10 and becomes the unknown
// token; neighbouring unknown characters share one. Byte tokens (<0xXX>) are not used for them,
// as llama.cpp does not (SentencePiece's byte_fallback would): the ids are llama.cpp's
// (tests/tokenizer/unigram_golden_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/charsmap.h"
#include "tokenizer/vocab.h"

namespace slimllm {

class GgufFile;

class UnigramEncoder {
 public:
  // Throws Error when the vocabulary has no unknown token or the charsmap is malformed.
  UnigramEncoder(const GgufFile& file, const Vocab& vocab);

  void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const;

  // The normalized text the pieces are matched against (exposed for tests).
  std::string normalize(const Vocab& vocab, std::string_view text) const;

 private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> children;  // byte -> node, few per node
    int32_t token = -1;
  };
  int32_t child(int32_t node, uint8_t byte) const;

  Charsmap charsmap_;
  std::vector<Node> trie_;  // the pieces Viterbi may use
  double unknown_score_ = 0;
};

}  // namespace slimllm
