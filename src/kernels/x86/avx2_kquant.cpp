// AVX2+FMA+F16C kernels for Q4_K, Q5_K and Q6_K weights: activation quantizer and tiled integer
// products. The code lives in impl/ and is shared with the other x86 variant; this file compiles it
// for this instruction set.
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

#define SLIMLLM_X86_VNNI 0
#define SLIMLLM_X86_WIDE 0
#define SLIMLLM_X86_NS avx2
#include "kernels/x86/impl/target_avx2_begin.inc"
namespace slimllm::x86::avx2 {
namespace {
#include "kernels/x86/impl/common.inc"
}  // namespace
#include "kernels/x86/impl/act_q8k.inc"
#include "kernels/x86/impl/gemm_kquant.inc"
#include "kernels/x86/impl/gemv_kquant.inc"
}  // namespace slimllm::x86::avx2
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
