// A vocabulary's token bytes as a trie, built once per loaded model, so a grammar mask walks
// shared prefixes once instead of every token separately.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace slimllm::grammar {

class VocabTrie {
 public:
  // pieces[i]: the bytes token i decodes to; "" for tokens a grammar never allows (control,
  // special and unused tokens).
  explicit VocabTrie(const std::vector<std::string>& pieces);
  int32_t size() const { return n_tokens_; }

  // Internal layout, used by Matcher::allowed_tokens.
  struct Node {
    uint32_t first_child = 0;  // index into nodes_ of the first child; children are contiguous
    uint16_t n_children = 0;
    uint8_t byte = 0;    // the byte leading to this node
    int32_t token = -1;  // the token whose bytes end here, or -1
  };
  const std::vector<Node>& nodes() const { return nodes_; }
  // Tokens with byte-identical pieces share a node: {the node's token, another token with the
  // same bytes}, so a mask that allows the first allows the second.
  const std::vector<std::pair<int32_t, int32_t>>& duplicates() const { return duplicates_; }

 private:
  int32_t n_tokens_ = 0;
  std::vector<Node> nodes_;  // nodes_[0] is the root (empty prefix)
  std::vector<std::pair<int32_t, int32_t>> duplicates_;
};

}  // namespace slimllm::grammar
