// The matmul entry of the AVX-VNNI variant (see avx2_matmul.cpp).
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

#define SLIMLLM_X86_VNNI 2
#define SLIMLLM_X86_WIDE 0
#define SLIMLLM_X86_NS avxvnni
#include "kernels/x86/impl/target_avxvnni_begin.inc"
namespace slimllm::x86::avxvnni {
namespace {
#include "kernels/x86/impl/common.inc"
}  // namespace
}  // namespace slimllm::x86::avxvnni
#include "kernels/x86/impl/target_end.inc"

// The driver has no intrinsics; compiled for the baseline so that the library code it
// instantiates (error messages, logging) is never emitted with wider instructions.
namespace slimllm::x86::avxvnni {
#include "kernels/x86/impl/dynamic_chunks.inc"
#include "kernels/x86/impl/matmul.inc"
}  // namespace slimllm::x86::avxvnni
#endif  // __x86_64__
