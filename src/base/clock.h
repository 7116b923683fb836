// Monotonic time in nanoseconds, the unit every duration in Ollama's API uses.
#pragma once

#include <chrono>
#include <cstdint>

namespace slimllm {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace slimllm
