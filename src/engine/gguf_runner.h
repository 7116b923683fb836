// The Runner the scheduler loads for a GGUF model: the model runs in this process, with one
// Session (KV cache and working memory) per parallel slot, sharing one thread pool.
#pragma once

#include <memory>

#include "engine/runner.h"

namespace slimllm {

class GgufRunnerFactory final : public RunnerFactory {
 public:
  // Weights (the file, mapped) + KV cache for num_ctx × num_parallel + working memory.
  uint64_t estimate_bytes(const ModelSpec& spec, const LoadOptions& options) override;
  std::unique_ptr<Runner> load(const ModelSpec& spec, const LoadOptions& options) override;
};

}  // namespace slimllm
