// AVX2+FMA+F16C attention over the F16 KV cache (impl/attention.inc; 256-bit code in both
// variants).
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

#define SLIMLLM_X86_VNNI 0
#define SLIMLLM_X86_WIDE 0
#define SLIMLLM_X86_NS avx2
#include "kernels/x86/impl/target_avx2_begin.inc"
namespace slimllm::x86::avx2 {
namespace {
#include "kernels/x86/impl/common.inc"

#include "kernels/x86/impl/attention.inc"
}  // namespace
}  // namespace slimllm::x86::avx2
#include "kernels/x86/impl/target_end.inc"

namespace slimllm::x86::avx2 {
#include "kernels/x86/impl/dynamic_chunks.inc"

#include "kernels/x86/impl/attention_entry.inc"
}  // namespace slimllm::x86::avx2
#endif  // __x86_64__
