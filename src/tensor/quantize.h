// Scalar reference quantization from f32, for importing models and making test models.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace slimllm {

// True when quantize() can produce `type`.
bool can_quantize(DType type);

// Quantizes `count` f32 values (a multiple of the block size) to `type`, writing
// row_bytes(type, count) bytes to dst. Throws Error for a type it cannot produce.
void quantize(DType type, const float* src, void* dst, size_t count);

}  // namespace slimllm
