// Internal interface between the matmul driver and the per-ISA kernel families. Each ISA
// (avx2, avx512) compiles the same sources (impl/*.inc) under its own target attributes into its
// own namespace, so this header declares the same functions once per ISA. No intrinsics here:
// callers outside the target regions only pass pointers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"
#include "tensor/blocks.h"

namespace slimllm::x86 {

// Activations of the K-quants: per token cols/256 BlockQ8_K, exactly as quantize_row_q8_K makes.
inline int64_t q8k_act_stride(int64_t cols) {
  return cols / 256 * static_cast<int64_t>(sizeof(BlockQ8_K));
}

}  // namespace slimllm::x86

#define SLIMLLM_X86_DECLARE_ISA(isa)                                                           \
  namespace slimllm::x86::isa {                                                                \
  /* Bytes per token of the activations of the 32-value types (Q8_0, Q4_0 weights): the */     \
  /* values and scales of quantize_row_q8_0 in this variant's layout for one token. */         \
  int64_t q32_act_stride(int64_t cols);                                                        \
  void quantize_q32(const float* x, int64_t cols, uint8_t* out);                               \
  /* The same for n tokens, in the layout gemm_q32 takes for n (which may differ from n */     \
  /* single tokens): its bytes, and token t quantized into it. */                              \
  int64_t q32_act_bytes(int64_t cols, int64_t n);                                              \
  void quantize_q32_token(const float* x, int64_t cols, int64_t t, int64_t n, uint8_t* act);   \
  /* Back to plain values and scales (tests): qs[cols], d[cols / 32]. */                       \
  void unpack_q32(const uint8_t* act, int64_t cols, int8_t* qs, float* d);                     \
  /* One token: cols f32 → cols/256 BlockQ8_K, byte-identical to quantize_row_q8_K. */       \
  void quantize_q8k(const float* x, int64_t cols, BlockQ8_K* out);                             \
  /* The activations gemm_kquant takes for n tokens against weights of `type`, in this */      \
  /* variant's layout (one token: quantize_q8k's, or paired by AVX-512, act_q8k.inc; */        \
  /* several: kquant_groups.inc's groups of tokens): its bytes, and token t into it. */        \
  int64_t kquant_act_bytes(int64_t cols, int64_t n);                                           \
  void quantize_kquant_token(DType type, const float* x, int64_t cols, int64_t t, int64_t n,   \
                             uint8_t* act);                                                    \
  /* y[t, r] for r in [r0, r1), t in [0, n): rows of w against prepared activations. */        \
  void gemm_q32(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act, int64_t n,    \
                float* y);                                                                     \
  void gemm_kquant(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act, int64_t n, \
                   float* y);                                                                  \
  void gemm_float(const WeightView& w, int64_t r0, int64_t r1, const float* x, int64_t n,      \
                  float* y);                                                                   \
  size_t matmul_scratch_bytes(DType type, int64_t cols, int64_t n);                            \
  void matmul(const WeightView& w, const float* x, int64_t n, float* y, Scratch scratch,       \
              ThreadPool* pool);                                                               \
  void matmul_many(std::span<const MatmulOut> products, const float* x, int64_t n,             \
                   Scratch scratch, ThreadPool* pool);                                         \
  void attention(const AttentionArgs& a, ThreadPool* pool);                                    \
  }

SLIMLLM_X86_DECLARE_ISA(avx2)
SLIMLLM_X86_DECLARE_ISA(avxvnni)
SLIMLLM_X86_DECLARE_ISA(avx512)
SLIMLLM_X86_DECLARE_ISA(amx)

// Row-wise kernels (avx2_elementwise.cpp), used by both x86 tables: they are bound by memory or
// by the trigonometry, not by the vector width.
namespace slimllm::x86::avx2 {
void rms_norm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* out,
              ThreadPool* pool);
void silu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool);
void gelu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool);
void softmax(float* x, int64_t n);
void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, const int32_t* positions,
          const RopeParams& params, ThreadPool* pool);
}  // namespace slimllm::x86::avx2
