// The kernel dispatch table: one function pointer per operation, filled once at start-up with the
// best variant the CPU supports. The SIMD variants (x86/, arm/) override the entries they speed up
// and leave the rest pointing at the reference.
#pragma once

#include "kernels/kernels.h"

namespace slimllm {

struct KernelTable {
  const char* name = "generic";
  size_t (*matmul_scratch_bytes)(DType type, int64_t cols, int64_t n) = nullptr;
  void (*matmul)(const WeightView& w, const float* x, int64_t n, float* y, Scratch scratch,
                 ThreadPool* pool) = nullptr;
  void (*matmul_many)(std::span<const MatmulOut> products, const float* x, int64_t n,
                      Scratch scratch, ThreadPool* pool) = nullptr;
  void (*get_rows)(const WeightView& w, const int32_t* ids, int64_t n, float* out) = nullptr;
  void (*rms_norm)(const float* x, const float* weight, int64_t n, int64_t dim, float eps,
                   float* out, ThreadPool* pool) = nullptr;
  void (*layer_norm)(const float* x, const float* weight, const float* bias, int64_t n, int64_t dim,
                     float eps, float* out, ThreadPool* pool) = nullptr;
  void (*rope)(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim,
               const int32_t* positions, const RopeParams& params, ThreadPool* pool) = nullptr;
  void (*softmax)(float* x, int64_t n) = nullptr;
  void (*silu_mul)(const float* gate, const float* up, float* out, int64_t n,
                   ThreadPool* pool) = nullptr;
  void (*gelu)(const float* x, float* out, int64_t n, ThreadPool* pool) = nullptr;
  void (*gelu_mul)(const float* gate, const float* up, float* out, int64_t n,
                   ThreadPool* pool) = nullptr;
  void (*attention)(const AttentionArgs& args, ThreadPool* pool) = nullptr;
};

// `base` named `name`, with its three matrix-product entries taken from one variant's namespace
// `ns` (matmul_scratch_bytes, matmul, matmul_many): how a variant table starts.
#define SLIMLLM_KERNEL_TABLE_WITH_MATMUL(base, table_name, ns) \
  [&] {                                                        \
    KernelTable t = (base);                                    \
    t.name = (table_name);                                     \
    t.matmul_scratch_bytes = ns::matmul_scratch_bytes;         \
    t.matmul = ns::matmul;                                     \
    t.matmul_many = ns::matmul_many;                           \
    return t;                                                  \
  }()

// The scalar reference table: the oracle every other variant is tested against.
const KernelTable& reference_kernels();

// A SIMD variant: its SLIMLLM_CPU name, whether this CPU runs it, and its table.
struct KernelVariant {
  const char* name;
  bool (*supported)();
  const KernelTable& (*table)();
};

// Every SIMD variant of every architecture, best first: select_kernels() takes the first this
// CPU runs.
std::span<const KernelVariant> kernel_variants();

// The best table for cpu_features(), honouring SLIMLLM_CPU=generic|avx2|avxvnni|avx512|amx|neon|
// dotprod (a variant the CPU lacks, or an unknown value, falls back to the best supported one
// with a warning). Logs the choice at info level. Meant to be called once by active_kernels();
// tests call it to check the choice.
const KernelTable& select_kernels();

// The table in use, chosen on first call (thread-safe) and fixed afterwards.
const KernelTable& active_kernels();

// Tests: makes `table` the one active_kernels() returns (nullptr: back to the chosen one), so a
// forward pass can run on the reference and on the fast path in one process. Not for use while
// another thread runs kernels.
void override_active_kernels(const KernelTable* table);

}  // namespace slimllm
