// Scalar reference kernels: plain loops written for clarity, the oracle the SIMD variants are held
// to. Same contracts as kernels/kernels.h.
#pragma once

#include <algorithm>

#include "kernels/kernels.h"

namespace slimllm::ref {

// Longest head the attention kernels accept (its accumulators live on the stack).
inline constexpr int64_t kMaxHeadDim = 512;

// Multiply-adds below which splitting a kernel over threads costs more than it saves: waking a
// worker is worth tens of microseconds.
inline constexpr int64_t kParallelWork = 1 << 16;

// Items per thread so that each piece has at least kParallelWork of work.
inline int64_t parallel_grain(int64_t work_per_item) {
  return std::max<int64_t>(1, kParallelWork / std::max<int64_t>(1, work_per_item));
}

size_t matmul_scratch_bytes(DType type, int64_t cols, int64_t n);
void matmul(const WeightView& w, const float* x, int64_t n, float* y, Scratch scratch,
            ThreadPool* pool);
void matmul_many(std::span<const MatmulOut> products, const float* x, int64_t n, Scratch scratch,
                 ThreadPool* pool);
// Fails unless every product of a matmul_many call has the same number of columns (they share
// one input); every variant checks it.
void require_same_cols(std::span<const MatmulOut> products);
void get_rows(const WeightView& w, const int32_t* ids, int64_t n, float* out);
void rms_norm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* out,
              ThreadPool* pool);
void layer_norm(const float* x, const float* weight, const float* bias, int64_t n, int64_t dim,
                float eps, float* out, ThreadPool* pool);
void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, const int32_t* positions,
          const RopeParams& params, ThreadPool* pool);
void softmax(float* x, int64_t n);
void silu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool);
void gelu(const float* x, float* out, int64_t n, ThreadPool* pool);
void gelu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool);
void attention(const AttentionArgs& args, ThreadPool* pool);

// Converts `count` values of a row of `type`, starting `offset` values in (a block boundary), to
// f32 in `buffer` and returns it, or returns a pointer into the row itself for F32.
const float* row_to_f32(DType type, const uint8_t* row, int64_t offset, int64_t count,
                        float* buffer);

}  // namespace slimllm::ref
