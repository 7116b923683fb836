// One sequence's inference state over a loaded model: its KV cache, the forward pass's working
// memory and the tokens the cache holds (so a following prompt that shares a prefix reuses it).
// Everything is allocated here, once; generating does no further heap allocation per token.
// Used where one sequence runs alone (slimllm run --local); the server's runner batches its
// sequences through a StepLoop instead.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/sequence_context.h"
#include "model/model.h"

namespace slimllm {

class Session final : public SequenceContext {
 public:
  // num_ctx is capped at the model's training context; num_batch at num_ctx.
  Session(const Model& model, int64_t num_ctx, int64_t num_batch, ThreadPool* pool);

  const Model& model() const override { return *model_; }
  int64_t num_ctx() const override { return kv_.n_ctx(); }
  int64_t num_batch() const { return state_.max_tokens; }
  ThreadPool* pool() const { return pool_; }
  KvCache& kv() { return kv_; }
  ForwardState& state() { return state_; }
  std::vector<int32_t>& tokens() override { return tokens_; }
  void keep_prefix(size_t count) override;
  // In num_batch pieces.
  std::span<const float> evaluate(std::span<const int32_t> tokens, int32_t start) override;
  void shift(int32_t keep, int32_t discard) override;

 private:
  const Model* model_;
  ThreadPool* pool_;
  KvCache kv_;
  ForwardState state_;
  std::vector<int32_t> tokens_;
  std::vector<BatchToken> batch_;
};

}  // namespace slimllm
