// Matcher::allowed_tokens: a walk of the vocabulary trie that carries a stack set per trie
// node. Stack sets met during one walk are interned into states, and each state's
// transitions are cached per byte (a DFA built lazily for this walk), so the many prefixes that
// lead back to the same set (inside a JSON string, after almost any byte) cost one table load
// per trie node instead of a step of every stack.
#include <unordered_map>

#include "grammar/matcher.h"
#include "grammar/matcher_state.h"
#include "grammar/rules.h"
#include "grammar/stepper.h"
#include "grammar/vocab_trie.h"

namespace slimllm::grammar {
namespace {

constexpr int32_t kUnknown = -2;  // transition not computed yet
constexpr int32_t kDead = -1;     // no stack survives the byte

struct DfaState {
  uint32_t begin, count;  // stacks: pool[begin .. begin + count)
  bool complete;
  ByteSet first;  // bytes some stack takes; any other byte is dead without a step
  int32_t next_same_hash;
};

// Per-thread, so a walk reuses the memory of the previous one.
struct WalkScratch {
  ArenaOverlay overlay;
  std::vector<std::pair<uint32_t, uint32_t>> work;
  std::vector<uint32_t> pool, next;
  std::vector<DfaState> states;
  std::vector<int32_t> transitions;  // 256 per state
  std::unordered_map<uint64_t, int32_t> by_hash;
  std::vector<std::pair<uint32_t, int32_t>> dfs;  // {trie node, state}
  std::vector<int32_t> node_state;                // per trie node, for the in-order scan
};

uint64_t hash_stacks(const uint32_t* stacks, size_t n, bool complete) {
  uint64_t h = complete ? 0x9E3779B97F4A7C15ull : 0x2545F4914F6CDD1Dull;
  for (size_t i = 0; i < n; ++i) h = (h ^ stacks[i]) * 0x100000001B3ull + (h >> 29);
  return h;
}

class Walk {
 public:
  Walk(const Grammar& g, const Matcher::State& state, WalkScratch& s)
      : g_(g), s_(s), stepper_(g, s.overlay, s.work) {
    s_.overlay.reset(state.arena);
    s_.pool.clear();
    s_.states.clear();
    s_.transitions.clear();
    s_.by_hash.clear();
    root_ = intern(state.stacks.data(), state.stacks.size(), state.complete);
  }

  int32_t root() const { return root_; }
  // The cached transitions of a state, kUnknown where not computed yet; valid until the next
  // transition() call that computes one.
  const int32_t* row(int32_t state) const {
    return s_.transitions.data() + static_cast<size_t>(state) * 256;
  }

  int32_t transition(int32_t from, uint8_t b) {
    int32_t& cached = s_.transitions[static_cast<size_t>(from) * 256 + b];
    if (cached != kUnknown) return cached;
    return compute(from, b);
  }

 private:
  const Grammar& g_;
  WalkScratch& s_;
  Stepper stepper_;
  int32_t root_;

  int32_t compute(int32_t from, uint8_t b) {
    int32_t to = kDead;
    const DfaState state = s_.states[from];
    if (state.first.test(b)) {
      bool complete;
      stepper_.advance(s_.pool.data() + state.begin, state.count, b, s_.next, complete);
      if (!s_.next.empty() || complete) to = intern(s_.next.data(), s_.next.size(), complete);
    }
    s_.transitions[static_cast<size_t>(from) * 256 + b] = to;
    return to;
  }

  int32_t intern(const uint32_t* stacks, size_t n, bool complete) {
    const uint64_t h = hash_stacks(stacks, n, complete);
    auto [it, inserted] = s_.by_hash.emplace(h, -1);
    for (int32_t i = it->second; i >= 0; i = s_.states[i].next_same_hash) {
      const DfaState& d = s_.states[i];
      if (d.complete == complete && d.count == n &&
          std::equal(stacks, stacks + n, s_.pool.begin() + d.begin)) {
        return i;
      }
    }
    DfaState d{
        static_cast<uint32_t>(s_.pool.size()), static_cast<uint32_t>(n), complete, {}, it->second};
    for (size_t i = 0; i < n; ++i) d.first |= g_.bytes_at(s_.overlay.at(stacks[i]).pos);
    s_.pool.insert(s_.pool.end(), stacks, stacks + n);
    const int32_t id = static_cast<int32_t>(s_.states.size());
    s_.states.push_back(d);
    s_.transitions.resize(s_.transitions.size() + 256, kUnknown);
    it->second = id;
    return id;
  }
};

}  // namespace

void Matcher::allowed_tokens(const VocabTrie& trie, std::vector<uint8_t>& allowed) const {
  allowed.assign(static_cast<size_t>(trie.size()), 0);
  thread_local WalkScratch scratch;
  Walk walk(*grammar_, *state_, scratch);
  const std::vector<VocabTrie::Node>& nodes = trie.nodes();
  if (nodes.empty()) return;

  // When most first bytes are alive (inside a string), nearly the whole trie survives and a
  // depth-first walk jumps around a trie larger than the caches (a miss per inner node, ~5 ms
  // for 152k tokens). The trie is laid out breadth-first with each node's children contiguous,
  // so instead scan it in order, carrying each node's state in an array: the same pruning (a dead
  // node's children are never stepped), with sequential memory access. Sparse states (after a
  // colon: a few hundred tokens) keep the depth-first walk, which never touches dead subtrees.
  const VocabTrie::Node& root = nodes[0];
  uint32_t alive = 0;
  for (uint32_t c = root.first_child; c < root.first_child + root.n_children; ++c) {
    alive += walk.transition(walk.root(), nodes[c].byte) >= 0;
  }
  if (alive * 2 > root.n_children) {
    std::vector<int32_t>& state_of = scratch.node_state;
    state_of.assign(nodes.size(), kDead);
    state_of[0] = walk.root();
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      const int32_t state = state_of[i];
      if (state < 0) continue;
      const VocabTrie::Node& node = nodes[i];
      if (node.token >= 0 && i != 0) allowed[static_cast<size_t>(node.token)] = 1;
      const uint32_t end = node.first_child + node.n_children;
      const int32_t* row = walk.row(state);
      for (uint32_t c = node.first_child; c < end; ++c) {
        int32_t next = row[nodes[c].byte];
        if (next == kUnknown) {
          next = walk.transition(state, nodes[c].byte);
          row = walk.row(state);  // the table may have grown
        }
        state_of[c] = next;
      }
    }
  } else {
    auto& dfs = scratch.dfs;
    dfs.clear();
    dfs.push_back({0, walk.root()});
    while (!dfs.empty()) {
      const auto [index, state] = dfs.back();
      dfs.pop_back();
      const VocabTrie::Node& node = nodes[index];
      const uint32_t end = node.first_child + node.n_children;
      for (uint32_t c = node.first_child; c < end; ++c) {
        const VocabTrie::Node& child = nodes[c];
        const int32_t next = walk.transition(state, child.byte);
        if (next < 0) continue;
        if (child.token >= 0) allowed[static_cast<size_t>(child.token)] = 1;
        if (child.n_children > 0) dfs.push_back({c, next});
      }
    }
  }
  for (const auto& [first, other] : trie.duplicates()) allowed[other] = allowed[first];
}

}  // namespace slimllm::grammar
