// Reference attention over the F16 KV cache, one (token, head) pair at a time, with a streaming
// softmax so it needs no buffer as long as the context.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ref/ref_kernels.h"
#include "tensor/half.h"

namespace slimllm::ref {

void attention(const AttentionArgs& a, ThreadPool* pool) {
  const int64_t group = a.n_head / a.n_head_kv;
  const int64_t dim = a.head_dim;
  parallel_for(
      pool, a.n_tokens * a.n_head,
      [&](int64_t begin, int64_t end) {
        double acc[kMaxHeadDim];
        for (int64_t th = begin; th < end; ++th) {
          const int64_t t = th / a.n_head;
          const int64_t h = th % a.n_head;
          const int64_t kv_offset = (h / group) * dim;
          const float* q = a.q + th * dim;
          // A sliding window skips the cells before the last `window` visible ones.
          const int64_t first =
              a.window > 0 ? std::max<int64_t>(0, a.n_visible[t] - a.window) : int64_t{0};
          // In a ring, position first + cell lives in cell (first + cell) % ring.
          const int64_t start = a.ring > 0 ? first % a.ring : first;
          const uint16_t* k = a.k_cells[t] + kv_offset;
          const uint16_t* v = a.v_cells[t] + kv_offset;
          double max = -std::numeric_limits<double>::infinity();
          double sum = 0.0;
          for (int64_t i = 0; i < dim; ++i) acc[i] = 0.0;
          for (int64_t cell = 0; cell < a.n_visible[t] - first; ++cell) {
            int64_t at = start + cell;
            if (a.ring > 0 && at >= a.ring) at -= a.ring;
            const uint16_t* kc = k + at * a.cell_stride;
            const uint16_t* vc = v + at * a.cell_stride;
            double score = 0.0;
            for (int64_t i = 0; i < dim; ++i)
              score += static_cast<double>(q[i]) * f16_to_f32(kc[i]);
            score *= a.scale;
            if (a.softcap > 0) score = a.softcap * std::tanh(score / a.softcap);
            if (score > max) {
              const double correction = std::exp(max - score);
              sum *= correction;
              for (int64_t i = 0; i < dim; ++i) acc[i] *= correction;
              max = score;
            }
            const double weight = std::exp(score - max);
            sum += weight;
            for (int64_t i = 0; i < dim; ++i) acc[i] += weight * f16_to_f32(vc[i]);
          }
          float* out = a.out + th * dim;
          for (int64_t i = 0; i < dim; ++i)
            out[i] = sum > 0 ? static_cast<float>(acc[i] / sum) : 0.0f;
        }
      },
      parallel_grain(2 * dim * (a.n_tokens > 0 ? a.n_visible[a.n_tokens - 1] : 1)));
}

}  // namespace slimllm::ref
