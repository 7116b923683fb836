#include "tokenizer/bpe.h"

#include <algorithm>

#include "base/error.h"
#include "base/log.h"
#include "gguf/reader.h"
#include "tokenizer/byte_unicode.h"

namespace slimllm {
namespace {

uint64_t mix(uint64_t key) {
  // splitmix64 finaliser: ids are small and dense, so spread them before masking.
  key ^= key >> 30;
  key *= 0xbf58476d1ce4e5b9ULL;
  key ^= key >> 27;
  key *= 0x94d049bb133111ebULL;
  key ^= key >> 31;
  return key;
}

constexpr uint64_t kEmptyKey = ~0ULL;

}  // namespace

void MergeTable::build(const std::vector<uint64_t>& pairs, const std::vector<Merge>& merges) {
  size_t capacity = 16;
  while (capacity < pairs.size() + pairs.size() / 2) capacity *= 2;
  slots_.assign(capacity, Slot{kEmptyKey, Merge{}});
  mask_ = capacity - 1;
  count_ = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    uint64_t slot = mix(pairs[i]) & mask_;
    while (slots_[slot].key != kEmptyKey && slots_[slot].key != pairs[i]) slot = (slot + 1) & mask_;
    if (slots_[slot].key == pairs[i]) continue;  // a repeated pair keeps its first (lowest) rank
    slots_[slot] = {pairs[i], merges[i]};
    ++count_;
  }
}

MergeTable::Merge MergeTable::find(int32_t left, int32_t right) const {
  if (slots_.empty()) return {};
  uint64_t k = key(left, right);
  uint64_t slot = mix(k) & mask_;
  while (slots_[slot].key != kEmptyKey) {
    if (slots_[slot].key == k) return slots_[slot].value;
    slot = (slot + 1) & mask_;
  }
  return {};
}

BpeEncoder::BpeEncoder(const GgufFile& file, const Vocab& vocab)
    : pretokenizer_(std::make_unique<Pretokenizer>(vocab.pre)),
      whole_word_first_(Pretokenizer::traits(vocab.pre).ignore_merges) {
  const char* key = "tokenizer.ggml.merges";
  const GgufValue* value = file.find(key);
  if (value == nullptr) fail(file.path(), ": a gpt2 vocabulary needs ", key, ", which is missing");
  if (!value->is_array() || value->element_type() != GgufType::kString)
    fail(file.path(), ": ", key, " must be an array of strings");
  std::vector<uint64_t> pairs;
  std::vector<MergeTable::Merge> merges;
  pairs.reserve(value->size());
  merges.reserve(value->size());
  size_t skipped = 0;
  std::string joined;
  for (size_t rank = 0; rank < value->strings().size(); ++rank) {
    std::string_view merge = value->strings()[rank];
    // Byte-mapped texts never hold a space, so the first space (after the first character)
    // separates the halves.
    size_t space = merge.find(' ', 1);
    if (space == std::string_view::npos) {
      ++skipped;
      continue;
    }
    std::string_view left = merge.substr(0, space), right = merge.substr(space + 1);
    joined.assign(left).append(right);
    int32_t l = vocab.normal_id(left), r = vocab.normal_id(right);
    int32_t m = vocab.normal_id(joined);
    // A merge whose halves or result are not ordinary tokens can never apply to token symbols.
    if (l < 0 || r < 0 || m < 0) {
      ++skipped;
      continue;
    }
    pairs.push_back((static_cast<uint64_t>(static_cast<uint32_t>(l)) << 32) |
                    static_cast<uint32_t>(r));
    merges.push_back({static_cast<int32_t>(rank), m});
  }
  merges_.build(pairs, merges);
  if (skipped > 0)
    log_debug("tokenizer merges skipped", {{"file", file.path()}, {"merges", skipped}});
}

struct BpeEncoder::Workspace {
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // -1 at the ends
  };
  struct Candidate {
    int32_t rank;
    int32_t left, right;        // symbol positions
    int32_t left_id, right_id;  // their ids when queued; a changed id means the pair is stale
    int32_t merged;
    bool operator<(const Candidate& other) const {
      // std::priority_queue pops the largest: make that the lowest rank, then the leftmost.
      if (rank != other.rank) return rank > other.rank;
      return left > other.left;
    }
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
  std::string spelled;
};

void BpeEncoder::encode(const Vocab& vocab, std::string_view text,
                        std::vector<int32_t>& out) const {
  Workspace work;
  for (const TextSpan& span : pretokenizer_->split(text)) {
    encode_word(vocab, text.substr(span.begin, span.end - span.begin), work, out);
  }
}

void BpeEncoder::encode_word(const Vocab& vocab, std::string_view word, Workspace& work,
                             std::vector<int32_t>& out) const {
  const ByteUnicode& mapping = ByteUnicode::instance();
  if (whole_word_first_ && word.size() > 1) {
    work.spelled.clear();
    for (char c : word) work.spelled += mapping.encode(static_cast<uint8_t>(c));
    int32_t id = vocab.normal_id(work.spelled);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }

  auto& symbols = work.symbols;
  symbols.clear();
  for (char c : word) {
    int32_t id = vocab.byte_tokens[static_cast<uint8_t>(c)];
    if (id < 0) id = vocab.unknown;  // only in vocabularies that lack a byte's token
    if (id < 0) continue;
    int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, -1});
    if (index > 0) symbols[index - 1].next = index;
  }
  if (symbols.empty()) return;

  auto& heap = work.heap;
  heap.clear();
  auto consider = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    MergeTable::Merge merge = merges_.find(symbols[left].id, symbols[right].id);
    if (merge.rank < 0) return;
    heap.push_back({merge.rank, left, right, symbols[left].id, symbols[right].id, merge.merged});
    std::push_heap(heap.begin(), heap.end());
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i, i + 1);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    auto top = heap.back();
    heap.pop_back();
    auto& left = symbols[top.left];
    if (left.id != top.left_id || left.next != top.right || symbols[top.right].id != top.right_id)
      continue;
    auto& right = symbols[top.right];
    left.id = top.merged;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    right.id = -1;  // merged away
    consider(left.prev, top.left);
    consider(top.left, left.next);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace slimllm
