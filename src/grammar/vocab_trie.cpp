#include "grammar/vocab_trie.h"

#include <algorithm>

namespace slimllm::grammar {

VocabTrie::VocabTrie(const std::vector<std::string>& pieces)
    : n_tokens_(static_cast<int32_t>(pieces.size())) {
  // Sorted token order makes every node's children contiguous: a breadth-first layout built from
  // the sorted list level by level.
  std::vector<int32_t> order;
  order.reserve(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (!pieces[i].empty()) order.push_back(static_cast<int32_t>(i));
  }
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return pieces[a] != pieces[b] ? pieces[a] < pieces[b] : a < b;
  });
  // A range [begin, end) of `order` sharing the prefix of length `depth`, owned by node `node`.
  struct Range {
    uint32_t node;
    size_t begin, end, depth;
  };
  nodes_.push_back(Node{});
  std::vector<Range> level{{0, 0, order.size(), 0}}, next;
  while (!level.empty()) {
    next.clear();
    for (const Range& r : level) {
      size_t i = r.begin;
      // Tokens that end exactly at this depth belong to the node itself.
      while (i < r.end && pieces[order[i]].size() == r.depth) {
        Node& self = nodes_[r.node];
        if (self.token < 0) {
          self.token = order[i];
        } else {
          duplicates_.emplace_back(self.token, order[i]);
        }
        ++i;
      }
      const uint32_t first = static_cast<uint32_t>(nodes_.size());
      uint16_t children = 0;
      while (i < r.end) {
        const uint8_t byte = static_cast<uint8_t>(pieces[order[i]][r.depth]);
        size_t j = i;
        while (j < r.end && static_cast<uint8_t>(pieces[order[j]][r.depth]) == byte) ++j;
        Node child;
        child.byte = byte;
        nodes_.push_back(child);
        next.push_back(Range{static_cast<uint32_t>(nodes_.size() - 1), i, j, r.depth + 1});
        ++children;
        i = j;
      }
      nodes_[r.node].first_child = first;
      nodes_[r.node].n_children = children;
    }
    std::swap(level, next);
  }
}

}  // namespace slimllm::grammar
