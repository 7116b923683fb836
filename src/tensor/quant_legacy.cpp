// The 32-value block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1): reference quantization and
// dequantization. The rounding and clamping follow ggml's reference quantizers exactly, so the
// output is byte-identical to llama.cpp's for the same input.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/dequantize.h"
#include "tensor/half.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

constexpr size_t kHalf = kQ32 / 2;

// The value of largest magnitude in a block, with its sign.
float signed_abs_max(const float* x) {
  float amax = 0;
  float max = 0;
  for (int j = 0; j < kQ32; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, float* min, float* max) {
  *min = x[0];
  *max = x[0];
  for (int j = 1; j < kQ32; ++j) {
    *min = std::min(*min, x[j]);
    *max = std::max(*max, x[j]);
  }
}

// Bit j of qh is the fifth bit of value j (0..31).
uint32_t load_qh(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof bits);
  return bits;
}

void store_qh(uint8_t* qh, uint32_t bits) {
  std::memcpy(qh, &bits, sizeof bits);
}

}  // namespace

void quantize_row_q4_0(const float* x, BlockQ4_0* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, x += kQ32) {
    // The largest-magnitude value maps to level 0 (-8 * d) exactly, keeping its sign in d.
    float d = signed_abs_max(x) / -8;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (size_t j = 0; j < kHalf; ++j) {
      // Truncation after +8.5 rounds half up; the max value lands on 16 and is clamped to 15.
      int lo = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
      int hi = std::min(15, static_cast<int>(static_cast<int8_t>(x[kHalf + j] * id + 8.5f)));
      y[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void quantize_row_q4_1(const float* x, BlockQ4_1* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, x += kQ32) {
    float min, max;
    min_max(x, &min, &max);
    float d = (max - min) / 15;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    y[b].m = f32_to_f16(min);
    for (size_t j = 0; j < kHalf; ++j) {
      int lo = std::min(15, static_cast<int>(static_cast<int8_t>((x[j] - min) * id + 0.5f)));
      int hi =
          std::min(15, static_cast<int>(static_cast<int8_t>((x[kHalf + j] - min) * id + 0.5f)));
      y[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void quantize_row_q5_0(const float* x, BlockQ5_0* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, x += kQ32) {
    float d = signed_abs_max(x) / -16;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    uint32_t qh = 0;
    for (size_t j = 0; j < kHalf; ++j) {
      int lo = std::min(31, static_cast<int>(static_cast<int8_t>(x[j] * id + 16.5f)));
      int hi = std::min(31, static_cast<int>(static_cast<int8_t>(x[kHalf + j] * id + 16.5f)));
      y[b].qs[j] = static_cast<uint8_t>((lo & 0xf) | ((hi & 0xf) << 4));
      qh |= static_cast<uint32_t>((lo >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((hi >> 4) & 1) << (j + kHalf);
    }
    store_qh(y[b].qh, qh);
  }
}

void quantize_row_q5_1(const float* x, BlockQ5_1* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, x += kQ32) {
    float min, max;
    min_max(x, &min, &max);
    float d = (max - min) / 31;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    y[b].m = f32_to_f16(min);
    uint32_t qh = 0;
    for (size_t j = 0; j < kHalf; ++j) {
      // No clamp (as ggml): (max - min) * id rounds to at most 31.5, truncated to 31.
      int lo = static_cast<uint8_t>((x[j] - min) * id + 0.5f);
      int hi = static_cast<uint8_t>((x[kHalf + j] - min) * id + 0.5f);
      y[b].qs[j] = static_cast<uint8_t>((lo & 0xf) | ((hi & 0xf) << 4));
      qh |= static_cast<uint32_t>((lo >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((hi >> 4) & 1) << (j + kHalf);
    }
    store_qh(y[b].qh, qh);
  }
}

void quantize_row_q8_0(const float* x, BlockQ8_0* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, x += kQ32) {
    float amax = 0;
    for (int j = 0; j < kQ32; ++j) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / 127;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (int j = 0; j < kQ32; ++j) y[b].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
  }
}

void quantize_row_q8_1(const float* x, BlockQ8_1* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, x += kQ32) {
    float amax = 0;
    for (int j = 0; j < kQ32; ++j) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / 127;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    int sum = 0;
    for (int j = 0; j < kQ32; ++j) {
      y[b].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
      sum += y[b].qs[j];
    }
    y[b].s = f32_to_f16(static_cast<float>(sum) * d);
  }
}

void dequantize_row_q4_0(const BlockQ4_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, y += kQ32) {
    float d = f16_to_f32(x[b].d);
    for (size_t j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>((x[b].qs[j] & 0xf) - 8) * d;
      y[kHalf + j] = static_cast<float>((x[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_row_q4_1(const BlockQ4_1* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, y += kQ32) {
    float d = f16_to_f32(x[b].d);
    float m = f16_to_f32(x[b].m);
    for (size_t j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>(x[b].qs[j] & 0xf) * d + m;
      y[kHalf + j] = static_cast<float>(x[b].qs[j] >> 4) * d + m;
    }
  }
}

void dequantize_row_q5_0(const BlockQ5_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, y += kQ32) {
    float d = f16_to_f32(x[b].d);
    uint32_t qh = load_qh(x[b].qh);
    for (size_t j = 0; j < kHalf; ++j) {
      int lo = (x[b].qs[j] & 0xf) | (((qh >> j) & 1) << 4);
      int hi = (x[b].qs[j] >> 4) | (((qh >> (j + kHalf)) & 1) << 4);
      y[j] = static_cast<float>(lo - 16) * d;
      y[kHalf + j] = static_cast<float>(hi - 16) * d;
    }
  }
}

void dequantize_row_q5_1(const BlockQ5_1* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, y += kQ32) {
    float d = f16_to_f32(x[b].d);
    float m = f16_to_f32(x[b].m);
    uint32_t qh = load_qh(x[b].qh);
    for (size_t j = 0; j < kHalf; ++j) {
      int lo = (x[b].qs[j] & 0xf) | (((qh >> j) & 1) << 4);
      int hi = (x[b].qs[j] >> 4) | (((qh >> (j + kHalf)) & 1) << 4);
      y[j] = static_cast<float>(lo) * d + m;
      y[kHalf + j] = static_cast<float>(hi) * d + m;
    }
  }
}

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, y += kQ32) {
    float d = f16_to_f32(x[b].d);
    for (int j = 0; j < kQ32; ++j) y[j] = static_cast<float>(x[b].qs[j]) * d;
  }
}

void dequantize_row_q8_1(const BlockQ8_1* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQ32; ++b, y += kQ32) {
    float d = f16_to_f32(x[b].d);
    for (int j = 0; j < kQ32; ++j) y[j] = static_cast<float>(x[b].qs[j]) * d;
  }
}

}  // namespace slimllm
