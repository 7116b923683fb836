// F32, F16 and BF16 products of the AVX-VNNI variant: the AVX2 code of impl/ (VNNI adds nothing
// to float arithmetic; the matmul entry of this variant needs its own copy).
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
#include "kernels/x86/impl/gemm_float.inc"
}  // namespace slimllm::x86::avxvnni
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
