// Scalar reference dequantization: the oracle every fast kernel is held to. Each row function
// reproduces what ggml's reference code computes for the same block, value for value.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/blocks.h"
#include "tensor/dtype.h"

namespace slimllm {

// Converts `count` values of `type` starting at `src` (which must begin on a block boundary; count
// a multiple of the block size) to f32. Throws Error for a type slimllm cannot read.
void dequantize(DType type, const void* src, float* dst, size_t count);

// Throws Error ("unsupported tensor type IQ2_XXS ...") unless dequantize() can read `type`.
void require_dequantizable(DType type);

// Per-type rows. `n` is the number of values and a multiple of the block size (unchecked).
void dequantize_row_f16(const uint16_t* x, float* y, size_t n);
void dequantize_row_bf16(const uint16_t* x, float* y, size_t n);
void dequantize_row_q4_0(const BlockQ4_0* x, float* y, size_t n);
void dequantize_row_q4_1(const BlockQ4_1* x, float* y, size_t n);
void dequantize_row_q5_0(const BlockQ5_0* x, float* y, size_t n);
void dequantize_row_q5_1(const BlockQ5_1* x, float* y, size_t n);
void dequantize_row_q8_0(const BlockQ8_0* x, float* y, size_t n);
void dequantize_row_q8_1(const BlockQ8_1* x, float* y, size_t n);
void dequantize_row_q2_K(const BlockQ2_K* x, float* y, size_t n);
void dequantize_row_q3_K(const BlockQ3_K* x, float* y, size_t n);
void dequantize_row_q4_K(const BlockQ4_K* x, float* y, size_t n);
void dequantize_row_q5_K(const BlockQ5_K* x, float* y, size_t n);
void dequantize_row_q6_K(const BlockQ6_K* x, float* y, size_t n);
void dequantize_row_q8_K(const BlockQ8_K* x, float* y, size_t n);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block, unpacked from its 12 bytes.
inline void k4_scale_min(const uint8_t* packed, int j, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = (packed[j + 4] & 0xf) | ((packed[j - 4] >> 6) << 4);
    *min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
  }
}

// The signed 6-bit scale of sub-block j (0..15) of a Q3_K block, unpacked from its 12 bytes.
inline int q3_k_scale(const uint8_t* packed, int j) {
  int low = j < 8 ? packed[j] & 0xf : packed[j - 8] >> 4;
  int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

}  // namespace slimllm
