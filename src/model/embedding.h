// Sentence embeddings: the final normed hidden states of a sequence, pooled into one vector.
// Works for any Model whose forward() returns OutputKind::kHidden rows — decoders (causal
// attention) and encoders alike; the pooling is the only thing that differs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/model.h"

namespace slimllm {

// The values of GGUF's `<arch>.pooling_type` (llama.cpp's enum), so a file's number maps as is.
enum class Pooling : int {
  kNone = 0,  // no pooling: the last token's state is what a runner returns (see pooling_of)
  kMean = 1,  // the average over the sequence's tokens
  kCls = 2,   // the first token's state (BERT's [CLS])
  kLast = 3,  // the last token's state
  kRank = 4,  // a reranker: the first token's state through the classification head
};

// The pooling a model's embeddings use: `<arch>.pooling_type` from its GGUF file. A model
// without the key (a generative decoder: llama, qwen2) pools its last token, as llama.cpp's
// runner — and so Ollama on it — returns the last token's state when a model declares no
// pooling; the last token is also the only one that has seen the whole input under causal
// attention. kNone in the file maps to kLast for the same reason. A reranker (kRank) pools its
// first token and returns its classification head's outputs (Model::classify) instead of the
// state: [0] is the relevance logit of the query/document pair the input holds.
Pooling pooling_of(const Model& model);

// Runs `tokens` as sequence `seq` of `kv` (cleared first) and returns the pooled hidden state
// [n_embd] (a reranker's head outputs for kRank). Not normalised; the API layer normalises as Ollama does. Throws Error when the
// tokens are empty or do not fit the cache.
std::vector<float> embed(const Model& model, std::span<const int32_t> tokens, Pooling pooling,
                         KvCache& kv, int64_t seq, ForwardState& state, ThreadPool* pool);

// The pooled hidden states [inputs.size()][n_embd] of several inputs, in their order, computed
// together: inputs are sorted by length and packed into forward passes of up to
// state.max_tokens tokens (and state.max_outputs outputs), each input its own sequence of a KV
// cache made for the pass, so attention stays within an input and nothing is padded. An input
// longer than a pass runs alone over several passes. Each result equals embed() of that input
// alone (up to the rounding of a different batch shape). `state.max_outputs` should equal
// `state.max_tokens` for mean pooling to fill passes. Throws Error for an empty input or one
// longer than `max_ctx` tokens.
std::vector<std::vector<float>> embed_batch(const Model& model,
                                            std::span<const std::vector<int32_t>> inputs,
                                            Pooling pooling, int64_t max_ctx, ForwardState& state,
                                            ThreadPool* pool);

}  // namespace slimllm
