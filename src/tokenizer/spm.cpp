#include "tokenizer/spm.h"

#include <algorithm>
#include <string>

#include "tokenizer/utf8.h"

namespace slimllm {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";

struct Symbol {
  uint32_t begin, length;  // bytes of the escaped text; length 0 once merged away
  int32_t prev, next;
};

struct Candidate {
  float score;
  int32_t left, right;
  uint32_t length;  // joined length when queued; a different sum means the pair is stale
  int32_t id;
  bool operator<(const Candidate& other) const {
    // The heap pops the largest: make that the highest score, then the leftmost.
    if (score != other.score) return score < other.score;
    return left > other.left;
  }
};

}  // namespace

void spm_encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 4);
  for (char c : text) {
    if (c == ' ') {
      escaped += kSpaceMarker;
    } else {
      escaped += c;
    }
  }
  if (escaped.empty()) return;

  std::vector<Symbol> symbols;
  for (size_t i = 0; i < escaped.size();) {
    size_t len =
        std::min(utf8_sequence_length(static_cast<uint8_t>(escaped[i])), escaped.size() - i);
    int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(len), index - 1, index + 1});
    i += len;
  }
  symbols.back().next = -1;

  std::vector<Candidate> heap;
  auto consider = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    uint32_t length = symbols[left].length + symbols[right].length;
    int32_t id = vocab.normal_id(std::string_view(escaped).substr(symbols[left].begin, length));
    if (id < 0) return;
    heap.push_back({vocab.scores[id], left, right, length, id});
    std::push_heap(heap.begin(), heap.end());
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i, i + 1);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    if (left.length == 0 || right.length == 0 || left.next != top.right ||
        left.length + right.length != top.length)
      continue;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    consider(left.prev, top.left);
    consider(top.left, left.next);
  }

  for (int32_t i = 0; i >= 0; i = symbols[i].next) {
    std::string_view piece = std::string_view(escaped).substr(symbols[i].begin, symbols[i].length);
    int32_t id = vocab.normal_id(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {
      int32_t byte_id = vocab.byte_tokens[static_cast<uint8_t>(c)];
      if (byte_id < 0) byte_id = vocab.unknown;
      if (byte_id >= 0) out.push_back(byte_id);
    }
  }
}

}  // namespace slimllm
