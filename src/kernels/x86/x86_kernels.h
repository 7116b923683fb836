// The x86 SIMD kernel tables (issue 5): AVX2+FMA+F16C, AVX-VNNI, AVX-512 (F/BW/VL + VNNI), and AMX
// (AVX-512 with the quantized prompt products on the tile unit). Each table
// is the reference table with the entries these variants speed up replaced (matmul, its
// scratch size, attention, and the row-wise kernels: RMSNorm, RoPE, SiLU·mul, softmax). On other
// architectures the functions here return the reference table.
#pragma once

#include "kernels/dispatch.h"

namespace slimllm {

// True when this CPU (and OS) can run the variant.
bool avx2_kernels_supported();
bool avxvnni_kernels_supported();
bool avx512_kernels_supported();
bool amx_kernels_supported();

// The variant tables. Calling one the CPU cannot run is the caller's mistake (tests check
// *_supported() first); on non-x86 builds both return reference_kernels().
const KernelTable& avx2_kernels();
const KernelTable& avxvnni_kernels();
const KernelTable& avx512_kernels();
const KernelTable& amx_kernels();

}  // namespace slimllm
