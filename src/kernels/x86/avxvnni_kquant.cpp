// AVX2 + AVX-VNNI (VEX) kernels for Q4_K, Q5_K and Q6_K weights: the AVX2 code of impl/ compiled
// with vpdpwssd applying the sub-block scales and accumulating in one instruction.
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

#define SLIMLLM_X86_VNNI 2
#define SLIMLLM_X86_WIDE 0
#define SLIMLLM_X86_NS avxvnni
#include "kernels/x86/impl/target_avxvnni_begin.inc"
namespace slimllm::x86::avxvnni {
namespace {
#include "kernels/x86/impl/common.inc"
}  // namespace
#include "kernels/x86/impl/act_q8k.inc"
#include "kernels/x86/impl/gemm_kquant.inc"
#include "kernels/x86/impl/gemv_kquant.inc"
}  // namespace slimllm::x86::avxvnni
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
