// Sentence embeddings from a decoder model: the final normed hidden states of a sequence, pooled.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/model.h"

namespace slimllm {

enum class Pooling { kMean, kLast };

// Runs `tokens` as sequence `seq` of `kv` (cleared first) and returns the pooled hidden state
// [n_embd]. Not normalised; the API layer normalises as Ollama does. Throws Error when the
// tokens are empty or do not fit the cache.
std::vector<float> embed(const Model& model, std::span<const int32_t> tokens, Pooling pooling,
                         KvCache& kv, int64_t seq, ForwardState& state, ThreadPool* pool);

}  // namespace slimllm
