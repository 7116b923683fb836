#include "engine/session.h"

#include <algorithm>

#include "base/error.h"

namespace slimllm {
namespace {

int64_t capped_ctx(const Model& model, int64_t num_ctx) {
  if (num_ctx <= 0) fail("num_ctx must be positive, got ", num_ctx);
  // Ollama's minimum is 4; its maximum the model's trained context.
  return std::clamp<int64_t>(num_ctx, 4, std::max<int64_t>(4, model.config().n_ctx_train));
}

}  // namespace

Session::Session(const Model& model, int64_t num_ctx, int64_t num_batch, ThreadPool* pool)
    : model_(&model),
      pool_(pool),
      kv_(model.make_cache(capped_ctx(model, num_ctx), 1, true, std::max<int64_t>(num_batch, 1))),
      state_(model.make_state(std::clamp<int64_t>(num_batch, 1, kv_.n_ctx()), 1)) {
  tokens_.reserve(static_cast<size_t>(kv_.n_ctx()));
  batch_.reserve(static_cast<size_t>(state_.max_tokens));
}

void Session::keep_prefix(size_t count) {
  count = std::min(count, tokens_.size());
  // A sliding-window ring may no longer hold the window before the prefix's end.
  count = static_cast<size_t>(kv_.reusable(0, static_cast<int32_t>(count)));
  tokens_.resize(count);
  kv_.set_length(0, static_cast<int32_t>(count));
}

std::span<const float> Session::evaluate(std::span<const int32_t> tokens, int32_t start) {
  std::span<const float> logits;
  const size_t step = static_cast<size_t>(num_batch());
  for (size_t first = 0; first < tokens.size(); first += step) {
    const size_t n = std::min(tokens.size() - first, step);
    batch_.clear();
    for (size_t i = 0; i < n; ++i) {
      const size_t at = first + i;
      batch_.push_back(
          BatchToken{tokens[at], static_cast<int32_t>(start + at), 0, at + 1 == tokens.size()});
    }
    logits = model_->forward(batch_, kv_, state_, pool_);
  }
  return logits;
}

void Session::shift(int32_t keep, int32_t discard) {
  model_->shift_context(kv_, 0, keep, discard, pool_);
}

}  // namespace slimllm
