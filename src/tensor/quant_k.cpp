// The K-quants (super-blocks of 256 values): reference quantization and dequantization of Q2_K,
// Q3_K, Q4_K, Q5_K, Q6_K and Q8_K. Quantization follows ggml's reference quantizers (no
// importance matrix); dequantization computes what ggml's reference code computes.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/dequantize.h"
#include "tensor/half.h"
#include "tensor/quant_search.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

using quant::nearest_int;

// Packs four 2-bit levels per byte: within each half of 128 values, byte l holds values l,
// l+32, l+64 and l+96 (the order the dot kernels read them in).
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int half = 0; half < kQK; half += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[half / 4 + l] = static_cast<uint8_t>(L[half + l] | (L[half + l + 32] << 2) |
                                              (L[half + l + 64] << 4) | (L[half + l + 96] << 6));
    }
  }
}

// Q4_K/Q5_K pack eight 6-bit scales and eight 6-bit mins into 12 bytes: bytes 0-3 hold scales
// 0-3 and bytes 4-7 mins 0-3 (low 6 bits each); scales/mins 4-7 keep their low 4 bits in bytes
// 8-11 and their top 2 bits in the spare top bits of bytes 0-7.
void pack_k4_scales(const uint8_t* scales, const uint8_t* mins, uint8_t* packed) {
  for (int j = 0; j < 8; ++j) {
    uint8_t ls = scales[j];
    uint8_t lm = mins[j];
    if (j < 4) {
      packed[j] = ls;
      packed[j + 4] = lm;
    } else {
      packed[j + 4] = static_cast<uint8_t>((ls & 0xf) | ((lm & 0xf) << 4));
      packed[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
      packed[j] |= static_cast<uint8_t>((lm >> 4) << 6);
    }
  }
}

// Shared by Q4_K (nmax 15) and Q5_K (nmax 31): fits scale and min per 32-value sub-block, then
// quantizes the scales and mins to 6 bits against F16 super-block scales, then requantizes the
// values against the scales as stored. Writes d, dmin, scales and levels L[256].
template <typename Block>
void quantize_k4_block(const float* x, Block& y, uint8_t* L, int nmax, float rmin, int nstep) {
  float scales[8];
  float mins[8];
  float weights[32];
  uint8_t scratch[32];
  float max_scale = 0;
  float max_min = 0;
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    // Weight each value by its magnitude plus the sub-block's RMS so small values still count.
    float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = quant::make_qkx2_quants(32, nmax, xs, weights, L + 32 * j, &mins[j], scratch, rmin,
                                        0.1f, nstep, false);
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  uint8_t ls[8];
  uint8_t lm[8];
  for (int j = 0; j < 8; ++j) {
    // The uint8 wrap before the clamp is ggml's; it only matters for a negative scale.
    ls[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
    lm[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
  }
  pack_k4_scales(ls, lm, y.scales);
  y.d = f32_to_f16(max_scale / 63.f);
  y.dmin = f32_to_f16(max_min / 63.f);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    k4_scale_min(y.scales, j, &sc, &m);
    float d = f16_to_f32(y.d) * sc;
    if (!d) continue;
    float dm = f16_to_f32(y.dmin) * m;
    for (int i = 0; i < 32; ++i) {
      L[32 * j + i] =
          static_cast<uint8_t>(std::clamp(nearest_int((x[32 * j + i] + dm) / d), 0, nmax));
    }
  }
}

}  // namespace

void quantize_row_q2_K(const float* x, BlockQ2_K* y, size_t n) {
  constexpr float kLevels = 15.f;  // scales and mins are 4-bit
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    uint8_t L[kQK];
    uint8_t scratch[16];
    float weights[16];
    float scales[16];
    float mins[16];
    float max_scale = 0;
    float max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = quant::make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], scratch,
                                          -0.5f, 0.1f, 15, true);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    BlockQ2_K& out = y[b];
    std::memset(out.scales, 0, sizeof out.scales);
    out.d = 0;
    out.dmin = 0;
    if (max_scale > 0) {
      float iscale = kLevels / max_scale;
      for (int j = 0; j < 16; ++j)
        out.scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      out.d = f32_to_f16(max_scale / kLevels);
    }
    if (max_min > 0) {
      float iscale = kLevels / max_min;
      for (int j = 0; j < 16; ++j) {
        out.scales[j] |= static_cast<uint8_t>(nearest_int(iscale * mins[j]) << 4);
      }
      out.dmin = f32_to_f16(max_min / kLevels);
    }
    for (int j = 0; j < 16; ++j) {
      float d = f16_to_f32(out.d) * (out.scales[j] & 0xf);
      if (!d) continue;
      float dm = f16_to_f32(out.dmin) * (out.scales[j] >> 4);
      for (int i = 0; i < 16; ++i) {
        L[16 * j + i] =
            static_cast<uint8_t>(std::clamp(nearest_int((x[16 * j + i] + dm) / d), 0, 3));
      }
    }
    pack_2bit(L, out.qs);
  }
}

void quantize_row_q3_K(const float* x, BlockQ3_K* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    int8_t L[kQK];
    float scales[16];
    float max_scale = 0;
    float amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = quant::make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
      if (std::fabs(scales[j]) > amax) {
        amax = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    BlockQ3_K& out = y[b];
    std::memset(out.scales, 0, sizeof out.scales);
    out.d = 0;
    if (max_scale) {
      // 6-bit signed scales: low 4 bits in bytes 0-7 (two per byte), top 2 bits in bytes 8-11.
      float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        int l = static_cast<int8_t>(nearest_int(iscale * scales[j]));
        l = std::clamp(l, -32, 31) + 32;
        if (j < 8) {
          out.scales[j] = static_cast<uint8_t>(l & 0xf);
        } else {
          out.scales[j - 8] |= static_cast<uint8_t>((l & 0xf) << 4);
        }
        out.scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
      }
      out.d = f32_to_f16(1 / iscale);
    }
    for (int j = 0; j < 16; ++j) {
      float d = f16_to_f32(out.d) * q3_k_scale(out.scales, j);
      if (!d) continue;
      for (int i = 0; i < 16; ++i) {
        L[16 * j + i] = static_cast<int8_t>(std::clamp(nearest_int(x[16 * j + i] / d), -4, 3) + 4);
      }
    }
    // Levels are 0..7: the high bit goes to hmask (bit k of byte m for value 32k + m), the low
    // two bits to qs.
    std::memset(out.hmask, 0, sizeof out.hmask);
    uint8_t low[kQK];
    for (int j = 0; j < kQK; ++j) {
      if (L[j] > 3) out.hmask[j % 32] |= static_cast<uint8_t>(1 << (j / 32));
      low[j] = static_cast<uint8_t>(L[j] & 3);
    }
    pack_2bit(low, out.qs);
  }
}

void quantize_row_q4_K(const float* x, BlockQ4_K* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    uint8_t L[kQK];
    quantize_k4_block(x, y[b], L, 15, -1.f, 20);
    // Byte l of each 32-byte group holds value l (low nibble) and value l+32 (high nibble).
    for (int j = 0; j < kQK; j += 64) {
      for (int l = 0; l < 32; ++l) {
        y[b].qs[j / 2 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
      }
    }
  }
}

void quantize_row_q5_K(const float* x, BlockQ5_K* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    uint8_t L[kQK];
    quantize_k4_block(x, y[b], L, 31, -0.5f, 15);
    // As Q4_K for the low 4 bits; the fifth bit of value 64c + l (+32) is bit 2c (2c+1) of qh[l].
    std::memset(y[b].qh, 0, sizeof y[b].qh);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        int lo = L[64 * c + l];
        int hi = L[64 * c + l + 32];
        if (lo > 15) y[b].qh[l] |= static_cast<uint8_t>(1 << (2 * c));
        if (hi > 15) y[b].qh[l] |= static_cast<uint8_t>(2 << (2 * c));
        y[b].qs[32 * c + l] = static_cast<uint8_t>((lo & 0xf) | ((hi & 0xf) << 4));
      }
    }
  }
}

void quantize_row_q6_K(const float* x, BlockQ6_K* y, size_t n) {
  constexpr float kGroupMaxEps = 1e-15f;
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    int8_t L[kQK];
    float scales[16];
    float max_scale = 0;
    float max_abs_scale = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = quant::make_qx_quants(16, 32, x + 16 * j, L + 16 * j);
      if (std::fabs(scales[j]) > max_abs_scale) {
        max_abs_scale = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    BlockQ6_K& out = y[b];
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&out, 0, sizeof out);
      continue;
    }
    float iscale = -128.f / max_scale;
    out.d = f32_to_f16(1 / iscale);
    for (int j = 0; j < 16; ++j) {
      out.scales[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[j])));
    }
    for (int j = 0; j < 16; ++j) {
      float d = f16_to_f32(out.d) * out.scales[j];
      if (!d) continue;
      for (int i = 0; i < 16; ++i) {
        L[16 * j + i] =
            static_cast<int8_t>(std::clamp(nearest_int(x[16 * j + i] / d), -32, 31) + 32);
      }
    }
    // Per 128 values: ql[l] holds values l and l+64 (low 4 bits), ql[l+32] values l+32 and
    // l+96; qh[l] holds the top 2 bits of values l, l+32, l+64, l+96.
    for (int h = 0; h < 2; ++h) {
      const int8_t* Lh = L + 128 * h;
      uint8_t* ql = out.ql + 64 * h;
      uint8_t* qh = out.qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        ql[l] = static_cast<uint8_t>((Lh[l] & 0xf) | ((Lh[l + 64] & 0xf) << 4));
        ql[l + 32] = static_cast<uint8_t>((Lh[l + 32] & 0xf) | ((Lh[l + 96] & 0xf) << 4));
        qh[l] = static_cast<uint8_t>((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) |
                                     ((Lh[l + 64] >> 4) << 4) | ((Lh[l + 96] >> 4) << 6));
      }
    }
  }
}

void quantize_row_q8_K(const float* x, BlockQ8_K* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, x += kQK) {
    BlockQ8_K& out = y[b];
    float max = 0;
    float amax = 0;
    for (int j = 0; j < kQK; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    if (!amax) {
      std::memset(&out, 0, sizeof out);
      continue;
    }
    // -127 (not -128) keeps every q in -127..127 so SIMD dots may negate them.
    float iscale = -127.f / max;
    for (int j = 0; j < kQK; ++j) {
      out.qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
    }
    for (int j = 0; j < kQK / 16; ++j) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += out.qs[16 * j + i];
      out.bsums[j] = static_cast<int16_t>(sum);
    }
    out.d = 1 / iscale;
  }
}

void dequantize_row_q2_K(const BlockQ2_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b) {
    float d = f16_to_f32(x[b].d);
    float min = f16_to_f32(x[b].dmin);
    // Sub-block s = 8h + 2k + i (i = 0, 1) sits at shift 2k in bytes 32h + 16i .. +15.
    for (int s = 0; s < 16; ++s) {
      int h = s / 8;
      int shift = 2 * ((s % 8) / 2);
      const uint8_t* q = x[b].qs + 32 * h + 16 * (s % 2);
      float dl = d * (x[b].scales[s] & 0xf);
      float ml = min * (x[b].scales[s] >> 4);
      for (int l = 0; l < 16; ++l) *y++ = dl * static_cast<float>((q[l] >> shift) & 3) - ml;
    }
  }
}

void dequantize_row_q3_K(const BlockQ3_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b) {
    float d_all = f16_to_f32(x[b].d);
    for (int s = 0; s < 16; ++s) {
      int h = s / 8;
      int k = (s % 8) / 2;
      int offset = 16 * (s % 2);
      const uint8_t* q = x[b].qs + 32 * h + offset;
      const uint8_t* hm = x[b].hmask + offset;
      uint8_t mask = static_cast<uint8_t>(1 << (4 * h + k));
      float dl = d_all * static_cast<float>(q3_k_scale(x[b].scales, s));
      for (int l = 0; l < 16; ++l) {
        int level = ((q[l] >> (2 * k)) & 3) - ((hm[l] & mask) ? 0 : 4);
        *y++ = dl * static_cast<float>(level);
      }
    }
  }
}

void dequantize_row_q4_K(const BlockQ4_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b) {
    float d = f16_to_f32(x[b].d);
    float min = f16_to_f32(x[b].dmin);
    const uint8_t* q = x[b].qs;
    for (int c = 0; c < 4; ++c, q += 32) {
      uint8_t sc, m;
      k4_scale_min(x[b].scales, 2 * c, &sc, &m);
      float d1 = d * sc;
      float m1 = min * m;
      k4_scale_min(x[b].scales, 2 * c + 1, &sc, &m);
      float d2 = d * sc;
      float m2 = min * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xf) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

void dequantize_row_q5_K(const BlockQ5_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b) {
    float d = f16_to_f32(x[b].d);
    float min = f16_to_f32(x[b].dmin);
    const uint8_t* ql = x[b].qs;
    const uint8_t* qh = x[b].qh;
    for (int c = 0; c < 4; ++c, ql += 32) {
      uint8_t sc, m;
      k4_scale_min(x[b].scales, 2 * c, &sc, &m);
      float d1 = d * sc;
      float m1 = min * m;
      k4_scale_min(x[b].scales, 2 * c + 1, &sc, &m);
      float d2 = d * sc;
      float m2 = min * m;
      uint8_t u1 = static_cast<uint8_t>(1 << (2 * c));
      uint8_t u2 = static_cast<uint8_t>(2 << (2 * c));
      for (int l = 0; l < 32; ++l) {
        *y++ = d1 * static_cast<float>((ql[l] & 0xf) + ((qh[l] & u1) ? 16 : 0)) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
      }
    }
  }
}

void dequantize_row_q6_K(const BlockQ6_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b) {
    float d = f16_to_f32(x[b].d);
    for (int h = 0; h < 2; ++h, y += 128) {
      const uint8_t* ql = x[b].ql + 64 * h;
      const uint8_t* qh = x[b].qh + 32 * h;
      const int8_t* sc = x[b].scales + 8 * h;
      for (int l = 0; l < 32; ++l) {
        int is = l / 16;
        int q1 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
        int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
        int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        // (d * scale) * q, in this order, as the reference computes it.
        y[l] = d * sc[is] * static_cast<float>(q1);
        y[l + 32] = d * sc[is + 2] * static_cast<float>(q2);
        y[l + 64] = d * sc[is + 4] * static_cast<float>(q3);
        y[l + 96] = d * sc[is + 6] * static_cast<float>(q4);
      }
    }
  }
}

void dequantize_row_q8_K(const BlockQ8_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQK; ++b, y += kQK) {
    for (int j = 0; j < kQK; ++j) y[j] = x[b].d * static_cast<float>(x[b].qs[j]);
  }
}

}  // namespace slimllm
