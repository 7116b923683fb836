#include "kernels/x86/x86_kernels.h"

#include "base/cpu.h"
#include "kernels/x86/isa.h"

namespace slimllm {
namespace {

bool is_x86() {
#if defined(__x86_64__)
  return true;
#else
  return false;
#endif
}

}  // namespace

bool avx2_kernels_supported() {
  const CpuFeatures& f = cpu_features();
  return is_x86() && f.avx2 && f.fma && f.f16c;
}

bool avxvnni_kernels_supported() {
  return avx2_kernels_supported() && cpu_features().avxvnni;
}

bool avx512_kernels_supported() {
  const CpuFeatures& f = cpu_features();
  return avx2_kernels_supported() && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq &&
         f.avx512vnni;
}

bool amx_kernels_supported() {
  return avx512_kernels_supported() && cpu_features().amx_int8;
}

const KernelTable& avx2_kernels() {
#if defined(__x86_64__)
  static const KernelTable table = [] {
    KernelTable t = SLIMLLM_KERNEL_TABLE_WITH_MATMUL(reference_kernels(), "avx2", x86::avx2);
    t.attention = x86::avx2::attention;
    t.rms_norm = x86::avx2::rms_norm;
    t.silu_mul = x86::avx2::silu_mul;
    t.gelu_mul = x86::avx2::gelu_mul;
    t.softmax = x86::avx2::softmax;
    t.rope = x86::avx2::rope;
    return t;
  }();
  return table;
#else
  return reference_kernels();
#endif
}

// The AVX2 table with the integer products of the VNNI build.
const KernelTable& avxvnni_kernels() {
#if defined(__x86_64__)
  static const KernelTable table =
      SLIMLLM_KERNEL_TABLE_WITH_MATMUL(avx2_kernels(), "avxvnni", x86::avxvnni);
  return table;
#else
  return reference_kernels();
#endif
}

const KernelTable& avx512_kernels() {
#if defined(__x86_64__)
  static const KernelTable table = [] {
    KernelTable t = SLIMLLM_KERNEL_TABLE_WITH_MATMUL(reference_kernels(), "avx512", x86::avx512);
    t.attention = x86::avx512::attention;
    t.rms_norm = x86::avx2::rms_norm;
    t.silu_mul = x86::avx2::silu_mul;
    t.gelu_mul = x86::avx2::gelu_mul;
    t.softmax = x86::avx2::softmax;
    t.rope = x86::avx2::rope;
    return t;
  }();
  return table;
#else
  return reference_kernels();
#endif
}

// The AVX-512 table with the quantized prompt products (Q8_0/Q4_0, K-quants) on the AMX tile
// unit.
const KernelTable& amx_kernels() {
#if defined(__x86_64__)
  static const KernelTable table =
      SLIMLLM_KERNEL_TABLE_WITH_MATMUL(avx512_kernels(), "amx", x86::amx);
  return table;
#else
  return reference_kernels();
#endif
}

}  // namespace slimllm
