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
      kv_(model.make_cache(capped_ctx(model, num_ctx), 1)),
      state_(model.make_state(std::clamp<int64_t>(num_batch, 1, kv_.n_ctx()), 1)) {
  tokens_.reserve(static_cast<size_t>(kv_.n_ctx()));
  batch_.reserve(static_cast<size_t>(state_.max_tokens));
}

}  // namespace slimllm
