#include "model/embedding.h"

#include <algorithm>

#include "base/error.h"

namespace slimllm {

std::vector<float> embed(const Model& model, std::span<const int32_t> tokens, Pooling pooling,
                         KvCache& kv, int64_t seq, ForwardState& state, ThreadPool* pool) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t d = model.config().n_embd;
  if (n == 0) fail("embedding: no input tokens");
  if (n > kv.n_ctx()) {
    fail("embedding: input of ", n, " tokens exceeds the context length ", kv.n_ctx());
  }
  kv.clear(seq);
  std::vector<double> sum(static_cast<size_t>(d), 0.0);
  std::vector<float> last(static_cast<size_t>(d), 0.0f);
  // Chunks no larger than the state's output rows, since every token returns its hidden state.
  const int64_t chunk = std::min(state.max_tokens, state.max_outputs);
  std::vector<BatchToken> batch;
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t len = std::min(chunk, n - start);
    batch.clear();
    for (int64_t i = 0; i < len; ++i) {
      batch.push_back(BatchToken{tokens[static_cast<size_t>(start + i)],
                                 static_cast<int32_t>(start + i), static_cast<int32_t>(seq),
                                 pooling == Pooling::kMean || start + i == n - 1});
    }
    std::span<const float> out = model.forward(batch, kv, state, pool, OutputKind::kHidden);
    const int64_t rows = static_cast<int64_t>(out.size()) / d;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < d; ++j)
        sum[static_cast<size_t>(j)] += out[static_cast<size_t>(r * d + j)];
    }
    if (start + len == n) std::copy_n(out.end() - d, d, last.begin());
  }
  if (pooling == Pooling::kLast) return last;
  std::vector<float> mean(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j)
    mean[static_cast<size_t>(j)] = static_cast<float>(sum[static_cast<size_t>(j)] / n);
  return mean;
}

}  // namespace slimllm
