// Sampling settings under Ollama's option names, with Ollama's defaults (v0.13.5; see
// docs ollama-api.md §1.13).
#pragma once

#include <cstdint>

namespace slimllm {

struct SamplerConfig {
  float temperature = 0.8f;     // 0 ⇒ greedy: the most likely token, no other step applies
  int32_t top_k = 40;           // ≤ 0 ⇒ off
  float top_p = 0.9f;           // ≥ 1 ⇒ off
  float min_p = 0.0f;           // ≤ 0 ⇒ off
  float typical_p = 1.0f;       // ≥ 1 ⇒ off
  int32_t repeat_last_n = 64;   // tokens the penalties look back over; 0 ⇒ off (-1 ⇒ num_ctx,
                                // resolved by the caller)
  float repeat_penalty = 1.1f;  // 1 ⇒ off
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int64_t seed = -1;  // < 0 ⇒ random
};

}  // namespace slimllm
