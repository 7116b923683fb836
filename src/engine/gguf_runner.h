// The Runner the scheduler loads for a GGUF model: the model runs in this process; its generations
// are batched together by one StepLoop (continuous batching, KV cells from one budget of
// num_ctx × num_parallel), embeddings and reranking run on the calling thread; all share one
// thread pool.
#pragma once

#include <memory>

#include "engine/runner.h"

namespace slimllm {

class GgufRunnerFactory final : public RunnerFactory {
 public:
  // Weights (the file) + the KV budget of num_ctx × num_parallel cells + working memory.
  uint64_t estimate_bytes(const ModelSpec& spec, const LoadOptions& options) override;
  std::unique_ptr<Runner> load(const ModelSpec& spec, const LoadOptions& options) override;
};

}  // namespace slimllm
