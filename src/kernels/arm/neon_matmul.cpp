// NEON kernels for every AArch64 core: integer products widened through SMULL/SADALP.
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

#define SLIMLLM_ARM_DOT 0
#define SLIMLLM_ARM_NS neon
namespace slimllm::arm::neon {
#include "kernels/arm/impl/matmul.inc"
}  // namespace slimllm::arm::neon
#endif  // __aarch64__
