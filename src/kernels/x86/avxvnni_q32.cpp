// AVX2 + AVX-VNNI (VEX) kernels for Q8_0 and Q4_0 weights: the AVX2 code of impl/ compiled with
// vpdpbusd for the byte dot products, for CPUs with AVX-VNNI but no AVX-512 (Alder Lake and
// later client cores, the N100 family).
#include <algorithm>
#include <cmath>
#include <cstring>

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
#include "kernels/x86/impl/act_q32.inc"
#include "kernels/x86/impl/gemm_q32.inc"
#include "kernels/x86/impl/gemv_q32.inc"
}  // namespace slimllm::x86::avxvnni
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
