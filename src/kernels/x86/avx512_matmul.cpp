// AVX-512 (F/BW/VL/DQ + VNNI) kernels for the matmul entry: activation quantization once per
// product, rows split over threads. The code lives in impl/ and is shared with the other x86
// variant.
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
#define SLIMLLM_X86_NS avx512
#include "kernels/x86/impl/target_avx512_begin.inc"
namespace slimllm::x86::avx512 {
namespace {
#include "kernels/x86/impl/common.inc"
}  // namespace
}  // namespace slimllm::x86::avx512
#include "kernels/x86/impl/target_end.inc"

// The driver has no intrinsics; compiled for the baseline so that the library code it
// instantiates (error messages, logging) is never emitted with wider instructions.
namespace slimllm::x86::avx512 {
#include "kernels/x86/impl/dynamic_chunks.inc"
#include "kernels/x86/impl/matmul.inc"
}  // namespace slimllm::x86::avx512
#endif  // __x86_64__
