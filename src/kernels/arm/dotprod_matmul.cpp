// NEON kernels with the ARMv8.2 dot product (SDOT): four int8 products summed per lane in one
// instruction. Compiled for "+dotprod" only here; chosen at run time from HWCAP_ASIMDDP.
#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "kernels/arm/isa.h"
#include "kernels/ref/ref_kernels.h"
#include "tensor/blocks.h"
#include "tensor/dequantize.h"
#include "tensor/half.h"
#include "tensor/quantize.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")
#define SLIMLLM_ARM_DOT 1
#define SLIMLLM_ARM_NS dotprod
namespace slimllm::arm::dotprod {
#include "kernels/arm/impl/matmul.inc"
}  // namespace slimllm::arm::dotprod
#pragma GCC pop_options
#endif  // __aarch64__
