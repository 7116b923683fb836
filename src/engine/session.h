// One sequence's inference state over a loaded model: its KV cache, the forward pass's working
// memory and the tokens the cache holds (so a following prompt that shares a prefix reuses it).
// Everything is allocated here, once; generating does no further heap allocation per token.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"

namespace slimllm {

class Session {
 public:
  // num_ctx is capped at the model's training context; num_batch at num_ctx.
  Session(const Model& model, int64_t num_ctx, int64_t num_batch, ThreadPool* pool);

  const Model& model() const { return *model_; }
  int64_t num_ctx() const { return kv_.n_ctx(); }
  int64_t num_batch() const { return state_.max_tokens; }
  ThreadPool* pool() const { return pool_; }
  KvCache& kv() { return kv_; }
  ForwardState& state() { return state_; }
  // The tokens whose keys and values the cache holds, in order.
  std::vector<int32_t>& tokens() { return tokens_; }
  // A reusable batch buffer (capacity num_batch).
  std::vector<BatchToken>& batch() { return batch_; }

 private:
  const Model* model_;
  ThreadPool* pool_;
  KvCache kv_;
  ForwardState state_;
  std::vector<int32_t> tokens_;
  std::vector<BatchToken> batch_;
};

}  // namespace slimllm
