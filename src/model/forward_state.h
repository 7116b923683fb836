// Working memory of the forward pass, sized once for the largest batch so a decode step does no
// heap allocation. One state per concurrently running forward pass; the model itself is immutable.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/kernels.h"
#include "model/batch.h"
#include "model/config.h"

namespace slimllm {

struct ForwardState {
  // max_tokens: tokens per forward pass (num_batch). max_outputs: rows of logits or hidden states
  // one pass may return (1 per sequence for generation; max_tokens for scoring).
  // `kind`: what the passes return; a state for hidden states only (embeddings) does not hold
  // a row of n_vocab logits per output (600 KB each for a 152k vocabulary).
  ForwardState(const ModelConfig& config, const std::vector<const WeightView*>& weights,
               int64_t max_tokens, int64_t max_outputs, OutputKind kind = OutputKind::kLogits);

  int64_t max_tokens;
  int64_t max_outputs;
  std::vector<float> x;                  // [max_tokens, n_embd] residual stream
  std::vector<float> xb;                 // [max_tokens, n_embd] normed input of a sub-layer
  std::vector<float> xb2;                // [max_tokens, n_embd] sub-layer output
  std::vector<float> q;                  // [max_tokens, q_dim]
  std::vector<float> k;                  // [max_tokens, kv_dim]
  std::vector<float> v;                  // [max_tokens, kv_dim]
  std::vector<float> att;                // [max_tokens, q_dim]
  std::vector<float> hb;                 // [max_tokens, n_ff]
  std::vector<float> hb2;                // [max_tokens, n_ff]
  std::vector<float> out_x;              // [max_outputs, n_embd]
  std::vector<float> output;             // [max_outputs, max(n_vocab, n_embd)]
  std::vector<int32_t> ids;              // [max_tokens]
  std::vector<int32_t> positions;        // [max_tokens]
  std::vector<int32_t> n_visible;        // [max_tokens]
  std::vector<const uint16_t*> k_cells;  // [max_tokens]
  std::vector<const uint16_t*> v_cells;  // [max_tokens]
  std::vector<uint8_t> scratch;          // matmul working memory (quantized activations)

  Scratch matmul_scratch() { return Scratch{scratch.data(), scratch.size()}; }
};

}  // namespace slimllm
