// The 64-bit Arm SIMD kernel tables (issue 5): NEON (every AArch64 core), and NEON with the
// ARMv8.2 dot product (SDOT: Cortex-A55/A76 and later, Raspberry Pi 5, Graviton 2+, Apple M).
// Each is the reference table with the matrix products replaced; the row-wise kernels and
// attention stay on the reference. On other architectures the functions here return the
// reference table.
#pragma once

#include "kernels/dispatch.h"

namespace slimllm {

// True when this CPU can run the variant (the dot product is read from the kernel's HWCAP).
bool neon_kernels_supported();
bool dotprod_kernels_supported();

const KernelTable& neon_kernels();
const KernelTable& dotprod_kernels();

}  // namespace slimllm
