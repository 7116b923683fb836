// Scalar reference quantization from f32, for importing models and making test models. The
// algorithms are ggml's reference quantizers without an importance matrix, so a tensor quantized
// here carries the same error as one quantized by llama.cpp (byte for byte, for the simple types).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/blocks.h"
#include "tensor/dtype.h"

namespace slimllm {

// True when quantize() can produce `type`.
bool can_quantize(DType type);

// Quantizes `count` f32 values (a multiple of the block size) to `type`, writing
// row_bytes(type, count) bytes to dst. Throws Error for a type it cannot produce, and for a NaN or
// infinite value when `type` is a block type (F32/F16/BF16 carry them through).
void quantize(DType type, const float* src, void* dst, size_t count);

// Per-type rows. `n` is the number of values and a multiple of the block size (unchecked); the
// input must be finite. quantize_row_q8_0/q8_1/q8_K are also the kernels' activation quantizers
// (the dot partners of the weight types), and SIMD versions are tested against them.
void quantize_row_f16(const float* x, uint16_t* y, size_t n);
void quantize_row_bf16(const float* x, uint16_t* y, size_t n);
void quantize_row_q4_0(const float* x, BlockQ4_0* y, size_t n);
void quantize_row_q4_1(const float* x, BlockQ4_1* y, size_t n);
void quantize_row_q5_0(const float* x, BlockQ5_0* y, size_t n);
void quantize_row_q5_1(const float* x, BlockQ5_1* y, size_t n);
void quantize_row_q8_0(const float* x, BlockQ8_0* y, size_t n);
// Q8_1 also stores s = d * sum(qs) (as F16) so Q4_1/Q5_1 dots can add the min term at once.
void quantize_row_q8_1(const float* x, BlockQ8_1* y, size_t n);
void quantize_row_q2_K(const float* x, BlockQ2_K* y, size_t n);
void quantize_row_q3_K(const float* x, BlockQ3_K* y, size_t n);
void quantize_row_q4_K(const float* x, BlockQ4_K* y, size_t n);
void quantize_row_q5_K(const float* x, BlockQ5_K* y, size_t n);
void quantize_row_q6_K(const float* x, BlockQ6_K* y, size_t n);
// Q8_K fills bsums (the sum of each 16 qs) for the K-quant dots' min terms.
void quantize_row_q8_K(const float* x, BlockQ8_K* y, size_t n);

}  // namespace slimllm
