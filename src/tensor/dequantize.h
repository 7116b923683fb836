// Scalar reference dequantization: the oracle every fast kernel is held to.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace slimllm {

// Converts `count` values of `type` starting at `src` (which must begin on a block boundary; count
// a multiple of the block size) to f32. Throws Error for a type slimllm cannot read.
void dequantize(DType type, const void* src, float* dst, size_t count);

}  // namespace slimllm
