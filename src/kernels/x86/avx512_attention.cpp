// AVX-512 attention over the F16 KV cache (impl/attention.inc; 256-bit code in both variants).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "base/thread_pool.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/isa.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SLIMLLM_X86_VNNI 1
#define SLIMLLM_X86_WIDE 1
#define SLIMLLM_X86_NS avx512
#include "kernels/x86/impl/target_avx512_begin.inc"
namespace slimllm::x86::avx512 {
namespace {
#include "kernels/x86/impl/common.inc"

#include "kernels/x86/impl/attention.inc"
}  // namespace
}  // namespace slimllm::x86::avx512
#include "kernels/x86/impl/target_end.inc"

namespace slimllm::x86::avx512 {
#include "kernels/x86/impl/dynamic_chunks.inc"

#include "kernels/x86/impl/attention_entry.inc"
}  // namespace slimllm::x86::avx512
#endif  // __x86_64__
