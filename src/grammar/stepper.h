// One byte of progress for a set of parse stacks (internal to grammar/), shared by accept,
// would_accept and the vocabulary walk so all three agree byte for byte.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "grammar/rules.h"
#include "grammar/stack_arena.h"

namespace slimllm::grammar {

// Live stacks kept after a byte. An ambiguous grammar can multiply stacks with every byte; past
// this many, the ones with the highest ids are dropped. What remains is still a set of genuine
// parses, so nothing invalid is ever accepted, but input only a dropped stack could continue
// is refused (and allowed_tokens may then differ from would_accept token by token, since ids are
// assigned in a different order there). Grammars from JSON schemas stay far below it.
inline constexpr size_t kMaxStacks = 4096;

class Stepper {
 public:
  Stepper(const Grammar& g, ArenaOverlay& arena, std::vector<std::pair<uint32_t, uint32_t>>& work)
      : g_(g), arena_(arena), work_(work) {}

  // The stacks before any byte.
  void start(std::vector<uint32_t>& out, bool& complete) {
    out.clear();
    complete = false;
    expand(g_.start, kNoNode, out, complete);
    finish(out);
  }

  // The stacks after byte b from stacks[0..n); `complete`: the root rule has ended right
  // after b. Stacks whose terminal does not take b die.
  void advance(const uint32_t* stacks, size_t n, uint8_t b, std::vector<uint32_t>& out,
               bool& complete) {
    out.clear();
    complete = false;
    for (size_t i = 0; i < n; ++i) {
      const StackNode top = arena_.at(stacks[i]);
      if (g_.bytes_at(top.pos).test(b)) expand(top.pos + 1, top.parent, out, complete);
    }
    finish(out);
  }

 private:
  const Grammar& g_;
  ArenaOverlay& arena_;
  std::vector<std::pair<uint32_t, uint32_t>>& work_;

  // Every stack that position `pos` over frame `parent` reaches without consuming a byte.
  void expand(uint32_t pos, uint32_t parent, std::vector<uint32_t>& out, bool& complete) {
    work_.clear();
    work_.push_back({pos, parent});
    while (!work_.empty()) {
      const auto [p, frame] = work_.back();
      work_.pop_back();
      const Grammar::Span span = g_.closures[p];
      for (uint32_t i = 0; i < span.count; ++i) {
        const ClosureEntry& e = g_.closure[span.begin + i];
        if (e.terminal == kPop) {
          if (frame == kNoNode) {
            complete = true;
          } else {
            const StackNode caller = arena_.at(frame);
            work_.push_back({caller.pos, caller.parent});
          }
          continue;
        }
        uint32_t node = frame;
        for (uint32_t k = 0; k < e.pushes_count; ++k) {
          node = arena_.intern(g_.pushes[e.pushes_begin + k], node);
        }
        out.push_back(arena_.intern(e.terminal, node));
      }
    }
  }

  static void finish(std::vector<uint32_t>& out) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.size() > kMaxStacks) out.resize(kMaxStacks);
  }
};

}  // namespace slimllm::grammar
