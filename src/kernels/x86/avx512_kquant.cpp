// AVX-512 (F/BW/VL/DQ + VNNI) kernels for Q4_K, Q5_K and Q6_K weights: activation quantizer and
// tiled integer products. 512-bit versions of the AVX2 families: impl/act_q8k.inc and
// impl/gemm_kquant_512.inc.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>

#include "base/error.h"
#include "base/thread_pool.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/isa.h"
#include "tensor/half.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SLIMLLM_X86_VNNI 1
#define SLIMLLM_X86_WIDE 1
#define SLIMLLM_X86_NS avx512
#include "kernels/x86/impl/target_avx512_begin.inc"
namespace slimllm::x86::avx512 {
namespace {
#include "kernels/x86/impl/common.inc"
}  // namespace
#include "kernels/x86/impl/act_q8k.inc"
#include "kernels/x86/impl/gemm_kquant_512.inc"
#include "kernels/x86/impl/gemv_kquant_512.inc"
}  // namespace slimllm::x86::avx512
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
