// Reference rotary position embedding. Pair i of a head turns by pos · θ_i with
// θ_i = freq_scale · base^(-2i/n_rot) / factor_i; the normal layout pairs neighbours (2i, 2i+1),
// the NeoX layout pairs the two halves (i, i + n_rot/2).
#include <cmath>

#include "kernels/ref/ref_kernels.h"

namespace slimllm::ref {

void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, const int32_t* positions,
          const RopeParams& p, ThreadPool* pool) {
  const int64_t half = p.n_rot / 2;
  parallel_for(
      pool, n_tokens * n_heads,
      [&](int64_t begin, int64_t end) {
        for (int64_t th = begin; th < end; ++th) {
          const double pos = positions[th / n_heads];
          float* head = x + th * head_dim;
          for (int64_t i = 0; i < half; ++i) {
            double theta =
                pos * p.freq_scale * std::pow(static_cast<double>(p.freq_base), -2.0 * i / p.n_rot);
            if (p.freq_factors != nullptr) theta /= p.freq_factors[i];
            const float c = static_cast<float>(std::cos(theta));
            const float s = static_cast<float>(std::sin(theta));
            const int64_t a = p.neox ? i : 2 * i;
            const int64_t b = p.neox ? i + half : 2 * i + 1;
            const float x0 = head[a];
            const float x1 = head[b];
            head[a] = x0 * c - x1 * s;
            head[b] = x0 * s + x1 * c;
          }
        }
      },
      parallel_grain(16 * half));
}

}  // namespace slimllm::ref
