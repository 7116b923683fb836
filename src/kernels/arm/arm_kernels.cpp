#include "kernels/arm/arm_kernels.h"

#include "base/cpu.h"
#include "kernels/arm/isa.h"

namespace slimllm {

bool neon_kernels_supported() {
#if defined(__aarch64__)
  return cpu_features().neon;
#else
  return false;
#endif
}

bool dotprod_kernels_supported() {
  return neon_kernels_supported() && cpu_features().arm_dotprod;
}

const KernelTable& neon_kernels() {
#if defined(__aarch64__)
  static const KernelTable table = [] {
    KernelTable t = reference_kernels();
    t.name = "neon";
    t.matmul_scratch_bytes = arm::neon::matmul_scratch_bytes;
    t.matmul = arm::neon::matmul;
    t.matmul_many = arm::neon::matmul_many;
    return t;
  }();
  return table;
#else
  return reference_kernels();
#endif
}

const KernelTable& dotprod_kernels() {
#if defined(__aarch64__)
  static const KernelTable table = [] {
    KernelTable t = neon_kernels();
    t.name = "dotprod";
    t.matmul_scratch_bytes = arm::dotprod::matmul_scratch_bytes;
    t.matmul = arm::dotprod::matmul;
    t.matmul_many = arm::dotprod::matmul_many;
    return t;
  }();
  return table;
#else
  return reference_kernels();
#endif
}

}  // namespace slimllm
