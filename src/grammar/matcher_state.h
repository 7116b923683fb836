// Matcher::State (internal to grammar/): the current stack set and the arena its nodes live in.
#pragma once

#include <cstdint>
#include <vector>

#include "grammar/matcher.h"
#include "grammar/stack_arena.h"

namespace slimllm::grammar {

struct Matcher::State {
  StackArena arena;
  std::vector<uint32_t> stacks;  // sorted node ids, each a stack's top
  bool complete = false;
  // The arena is compacted to the nodes the stacks still use once it grows past this.
  size_t collect_at = kMinCollect;

  static constexpr size_t kMinCollect = 1 << 16;
};

}  // namespace slimllm::grammar
