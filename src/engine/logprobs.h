// Log-probabilities of generated tokens as Ollama and llama.cpp report them: of the model's own
// distribution (log-softmax of the raw logits), before penalties, temperature, truncation or a
// grammar mask changed it.
#pragma once

#include <cstdint>
#include <span>

#include "engine/runner.h"
#include "engine/token_text.h"

namespace slimllm {

// The report for `token` with the `top` most likely tokens (most likely first, ties by id).
TokenLogprob token_logprob(std::span<const float> logits, int32_t token, int top,
                           const TokenText& text);

}  // namespace slimllm
