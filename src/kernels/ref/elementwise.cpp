// Reference row-wise operations: RMSNorm, LayerNorm, softmax, SiLU·mul, GELU, GELU·mul.
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

void layer_norm(const float* x, const float* weight, const float* bias, int64_t n, int64_t dim,
                float eps, float* out, ThreadPool* pool) {
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const float* xr = x + r * dim;
          float* yr = out + r * dim;
          // Two passes in double: the mean first, then the variance around it, so a row with a
          // large offset loses no precision to cancellation.
          double sum = 0.0;
          for (int64_t i = 0; i < dim; ++i) sum += xr[i];
          const double mean = sum / static_cast<double>(dim);
          double squares = 0.0;
          for (int64_t i = 0; i < dim; ++i) {
            const double d = xr[i] - mean;
            squares += d * d;
          }
          const double scale = 1.0 / std::sqrt(squares / static_cast<double>(dim) + eps);
          for (int64_t i = 0; i < dim; ++i) {
            const float normed = static_cast<float>((xr[i] - mean) * scale);
            yr[i] = normed * weight[i] + (bias != nullptr ? bias[i] : 0.0f);
          }
        }
      },
      parallel_grain(3 * dim));
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

void gelu(const float* x, float* out, int64_t n, ThreadPool* pool) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float v = x[i];
          out[i] = 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
        }
      },
      parallel_grain(16));
}

void gelu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool) {
  constexpr float kTwoSqrt2OverPi = 2 * 0.7978845608028654f;
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float g = gate[i];
          const float u2 = kTwoSqrt2OverPi * (g + 0.044715f * g * g * g);
          out[i] = g / (1.0f + std::exp(-u2)) * up[i];
        }
      },
      parallel_grain(16));
}

}  // namespace slimllm::ref
