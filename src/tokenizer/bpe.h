// Byte-level BPE (tokenizer.ggml.model = gpt2): each pre-tokenized word starts as one symbol per
// byte (the token spelling that byte) and adjacent symbols merge in the order of the merge list
// (lowest rank first, leftmost first on ties), as GPT-2, Llama 3 and Qwen train them.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/vocab.h"

namespace slimllm {

class GgufFile;

// Open-addressed table (left id, right id) -> (rank, merged id); merges are looked up millions
// of times per megabyte, so it avoids node-based maps.
class MergeTable {
 public:
  struct Merge {
    int32_t rank = -1;
    int32_t merged = -1;
  };
  void build(const std::vector<uint64_t>& pairs, const std::vector<Merge>& merges);
  // rank -1 when the pair never merges.
  Merge find(int32_t left, int32_t right) const;
  size_t size() const { return count_; }

 private:
  static uint64_t key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  // Key and value side by side: one cache line per probe (the table is megabytes).
  struct Slot {
    uint64_t key;
    Merge value;
  };
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  size_t count_ = 0;
};

class BpeEncoder {
 public:
  // Reads tokenizer.ggml.merges and builds the pre-tokenizer named by vocab.pre.
  BpeEncoder(const GgufFile& file, const Vocab& vocab);

  // Appends the ids of plain text (no special tokens in it) to `out`.
  void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const;

 private:
  struct Workspace;
  void encode_word(const Vocab& vocab, std::string_view word, Workspace& work,
                   std::vector<int32_t>& out) const;

  std::unique_ptr<Pretokenizer> pretokenizer_;
  MergeTable merges_;
  // Llama 3 looks a whole word up in the vocabulary before merging (tokenizer.json's
  // ignore_merges); merging can give a different split of the same word.
  bool whole_word_first_ = false;
};

}  // namespace slimllm
