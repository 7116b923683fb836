#include "tensor/dequantize.h"

#include <cstring>

#include "base/error.h"
#include "tensor/half.h"

namespace slimllm {
namespace {

template <typename Block>
const Block* blocks(const void* src) {
  return static_cast<const Block*>(src);
}

}  // namespace

void require_dequantizable(DType type) {
  const DTypeTraits& t = traits(type);
  if (!t.supported) {
    fail("unsupported tensor type ", t.name,
         ": slimllm reads F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and Q2_K to Q8_K; "
         "use a model quantized to one of these");
  }
}

void dequantize_row_f16(const uint16_t* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = f16_to_f32(x[i]);
}

void dequantize_row_bf16(const uint16_t* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = bf16_to_f32(x[i]);
}

void dequantize(DType type, const void* src, float* dst, size_t count) {
  require_dequantizable(type);
  const DTypeTraits& t = traits(type);
  if (count % t.block_size != 0) {
    fail("cannot dequantize ", count, " values of type ", t.name,
         ": not a multiple of its block of ", t.block_size, " values");
  }
  if (count == 0) return;
  switch (type) {
    case DType::kF32:
      std::memcpy(dst, src, count * sizeof(float));
      return;
    case DType::kF16:
      return dequantize_row_f16(blocks<uint16_t>(src), dst, count);
    case DType::kBF16:
      return dequantize_row_bf16(blocks<uint16_t>(src), dst, count);
    case DType::kQ4_0:
      return dequantize_row_q4_0(blocks<BlockQ4_0>(src), dst, count);
    case DType::kQ4_1:
      return dequantize_row_q4_1(blocks<BlockQ4_1>(src), dst, count);
    case DType::kQ5_0:
      return dequantize_row_q5_0(blocks<BlockQ5_0>(src), dst, count);
    case DType::kQ5_1:
      return dequantize_row_q5_1(blocks<BlockQ5_1>(src), dst, count);
    case DType::kQ8_0:
      return dequantize_row_q8_0(blocks<BlockQ8_0>(src), dst, count);
    case DType::kQ2_K:
      return dequantize_row_q2_K(blocks<BlockQ2_K>(src), dst, count);
    case DType::kQ3_K:
      return dequantize_row_q3_K(blocks<BlockQ3_K>(src), dst, count);
    case DType::kQ4_K:
      return dequantize_row_q4_K(blocks<BlockQ4_K>(src), dst, count);
    case DType::kQ5_K:
      return dequantize_row_q5_K(blocks<BlockQ5_K>(src), dst, count);
    case DType::kQ6_K:
      return dequantize_row_q6_K(blocks<BlockQ6_K>(src), dst, count);
    case DType::kQ8_K:
      return dequantize_row_q8_K(blocks<BlockQ8_K>(src), dst, count);
    default:
      break;
  }
  // A type marked supported in dtype.cpp without a case here.
  fail("unsupported tensor type ", t.name, ": no dequantizer");
}

}  // namespace slimllm
