// The amx variant's matmul entry: the avx512 variant with the Q8_0/Q4_0 and K-quant prompt
// products on the tile unit (amx_q32.cpp, amx_kquant.cpp). Quantizers, decode products and the
// other weight types are the avx512 variant's; the driver (impl/matmul.inc) is compiled again so
// that its calls reach amx::gemm_q32 and amx::gemm_kquant, its chunks whole 32-row tiles.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "base/error.h"
#include "base/thread_pool.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/isa.h"
#include "tensor/half.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SLIMLLM_X86_VNNI 1
#define SLIMLLM_X86_WIDE 1
#define SLIMLLM_X86_AMX 1
#define SLIMLLM_X86_NS amx
#include "kernels/x86/impl/target_avx512_begin.inc"
namespace slimllm::x86::amx {
namespace {
#include "kernels/x86/impl/common.inc"
}  // namespace
}  // namespace slimllm::x86::amx
#include "kernels/x86/impl/target_end.inc"

namespace slimllm::x86::amx {

int64_t q32_act_stride(int64_t cols) {
  return avx512::q32_act_stride(cols);
}
void quantize_q32(const float* x, int64_t cols, uint8_t* out) {
  avx512::quantize_q32(x, cols, out);
}
int64_t q32_act_bytes(int64_t cols, int64_t n) {
  return avx512::q32_act_bytes(cols, n);
}
void quantize_q32_token(const float* x, int64_t cols, int64_t t, int64_t n, uint8_t* act) {
  avx512::quantize_q32_token(x, cols, t, n, act);
}
void unpack_q32(const uint8_t* act, int64_t cols, int8_t* qs, float* d) {
  avx512::unpack_q32(act, cols, qs, d);
}
void quantize_q8k(const float* x, int64_t cols, BlockQ8_K* out) {
  avx512::quantize_q8k(x, cols, out);
}
int64_t kquant_act_bytes(int64_t cols, int64_t n) {
  return avx512::kquant_act_bytes(cols, n);
}
void quantize_kquant_token(DType type, const float* x, int64_t cols, int64_t t, int64_t n,
                           uint8_t* act) {
  avx512::quantize_kquant_token(type, x, cols, t, n, act);
}
void gemm_float(const WeightView& w, int64_t r0, int64_t r1, const float* x, int64_t n,
                float* y) {
  avx512::gemm_float(w, r0, r1, x, n, y);
}

// The driver has no intrinsics; compiled for the baseline (as avx512_matmul.cpp's).
#include "kernels/x86/impl/dynamic_chunks.inc"
#include "kernels/x86/impl/matmul.inc"
}  // namespace slimllm::x86::amx
#endif  // __x86_64__
