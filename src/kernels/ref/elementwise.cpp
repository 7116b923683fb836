// Reference row-wise operations: RMSNorm, softmax, SiLU·mul.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ref/ref_kernels.h"

namespace slimllm::ref {

void rms_norm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* out,
              ThreadPool* pool) {
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const float* xr = x + r * dim;
          float* yr = out + r * dim;
          double sum = 0.0;
          for (int64_t i = 0; i < dim; ++i) sum += static_cast<double>(xr[i]) * xr[i];
          const float scale =
              static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(dim) + eps));
          for (int64_t i = 0; i < dim; ++i) yr[i] = xr[i] * scale * weight[i];
        }
      },
      parallel_grain(2 * dim));
}

void softmax(float* x, int64_t n) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool) {
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float g = gate[i];
          out[i] = g / (1.0f + std::exp(-g)) * up[i];
        }
      },
      parallel_grain(16));
}

}  // namespace slimllm::ref
