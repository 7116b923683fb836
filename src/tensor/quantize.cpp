#include "tensor/quantize.h"

#include <cmath>
#include <cstring>

#include "base/error.h"
#include "tensor/half.h"

namespace slimllm {
namespace {

template <typename Block>
Block* blocks(void* dst) {
  return static_cast<Block*>(dst);
}

bool is_float_type(DType type) {
  return type == DType::kF32 || type == DType::kF16 || type == DType::kBF16;
}

}  // namespace

bool can_quantize(DType type) {
  switch (type) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ8_0:
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kQ8_K:
      return true;
    default:
      return false;
  }
}

void quantize_row_f16(const float* x, uint16_t* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = f32_to_f16(x[i]);
}

void quantize_row_bf16(const float* x, uint16_t* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = f32_to_bf16(x[i]);
}

void quantize(DType type, const float* src, void* dst, size_t count) {
  const DTypeTraits& t = traits(type);
  if (!can_quantize(type)) fail("cannot quantize to tensor type ", t.name, ": not supported");
  if (count % t.block_size != 0) {
    fail("cannot quantize ", count, " values to ", t.name, ": not a multiple of its block of ",
         t.block_size, " values");
  }
  // The block quantizers' integer conversions are only defined for finite input.
  if (!is_float_type(type)) {
    for (size_t i = 0; i < count; ++i) {
      if (!std::isfinite(src[i])) {
        fail("cannot quantize to ", t.name, ": value ", i, " is ", src[i]);
      }
    }
  }
  switch (type) {
    case DType::kF32:
      if (count != 0) std::memcpy(dst, src, count * sizeof(float));
      return;
    case DType::kF16:
      return quantize_row_f16(src, blocks<uint16_t>(dst), count);
    case DType::kBF16:
      return quantize_row_bf16(src, blocks<uint16_t>(dst), count);
    case DType::kQ4_0:
      return quantize_row_q4_0(src, blocks<BlockQ4_0>(dst), count);
    case DType::kQ4_1:
      return quantize_row_q4_1(src, blocks<BlockQ4_1>(dst), count);
    case DType::kQ5_0:
      return quantize_row_q5_0(src, blocks<BlockQ5_0>(dst), count);
    case DType::kQ5_1:
      return quantize_row_q5_1(src, blocks<BlockQ5_1>(dst), count);
    case DType::kQ8_0:
      return quantize_row_q8_0(src, blocks<BlockQ8_0>(dst), count);
    case DType::kQ2_K:
      return quantize_row_q2_K(src, blocks<BlockQ2_K>(dst), count);
    case DType::kQ3_K:
      return quantize_row_q3_K(src, blocks<BlockQ3_K>(dst), count);
    case DType::kQ4_K:
      return quantize_row_q4_K(src, blocks<BlockQ4_K>(dst), count);
    case DType::kQ5_K:
      return quantize_row_q5_K(src, blocks<BlockQ5_K>(dst), count);
    case DType::kQ6_K:
      return quantize_row_q6_K(src, blocks<BlockQ6_K>(dst), count);
    case DType::kQ8_K:
      return quantize_row_q8_K(src, blocks<BlockQ8_K>(dst), count);
    default:
      break;
  }
  fail("cannot quantize to tensor type ", t.name, ": no quantizer");
}

}  // namespace slimllm
