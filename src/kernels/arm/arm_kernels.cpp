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
  static const KernelTable table =
      SLIMLLM_KERNEL_TABLE_WITH_MATMUL(reference_kernels(), "neon", arm::neon);
  return table;
#else
  return reference_kernels();
#endif
}

const KernelTable& dotprod_kernels() {
#if defined(__aarch64__)
  static const KernelTable table =
      SLIMLLM_KERNEL_TABLE_WITH_MATMUL(neon_kernels(), "dotprod", arm::dotprod);
  return table;
#else
  return reference_kernels();
#endif
}

}  // namespace slimllm
