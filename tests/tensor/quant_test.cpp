// Properties of quantize()/dequantize() beyond the golden file: error bounds per type on
// multi-block rows, edge inputs (zeros, tiny, large), the activation quantizers the kernels use,
// and clean errors for types and sizes slimllm cannot handle.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base/error.h"
#include "tensor/dequantize.h"
#include "tensor/half.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

// Deterministic normal-ish values (sum of uniforms) so the bounds do not depend on the library's
// distributions.
std::vector<float> weight_like(size_t n, uint32_t seed, float scale = 1.0f) {
  std::vector<float> values(n);
  uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
  auto uniform = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>((state >> 40) & 0xffffff) / 16777216.0f;
  };
  for (float& v : values) {
    float s = 0;
    for (int k = 0; k < 12; ++k) s += uniform();
    v = (s - 6.0f) * scale;
  }
  return values;
}

double rel_rmse(const std::vector<float>& want, const std::vector<float>& got) {
  double err = 0;
  double norm = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    double d = static_cast<double>(got[i]) - want[i];
    err += d * d;
    norm += static_cast<double>(want[i]) * want[i];
  }
  return norm > 0 ? std::sqrt(err / norm) : std::sqrt(err / want.size());
}

std::vector<float> round_trip(DType type, const std::vector<float>& values) {
  std::vector<uint8_t> packed(row_bytes(type, values.size()));
  quantize(type, values.data(), packed.data(), values.size());
  std::vector<float> back(values.size());
  dequantize(type, packed.data(), back.data(), back.size());
  return back;
}

struct Bound {
  DType type;
  // Relative RMS error bound on normal weight-like rows. Set about 15% above what llama.cpp's
  // reference reaches on the golden file's normal row, which our quantizers reproduce.
  double max_rel_rmse;
};

const Bound kBounds[] = {
    {DType::kF32, 0.0},    {DType::kF16, 3e-4},    {DType::kBF16, 2.5e-3}, {DType::kQ4_0, 0.10},
    {DType::kQ4_1, 0.09},  {DType::kQ5_0, 0.05},   {DType::kQ5_1, 0.045},  {DType::kQ8_0, 0.0065},
    {DType::kQ2_K, 0.34},  {DType::kQ3_K, 0.17},   {DType::kQ4_K, 0.083},  {DType::kQ5_K, 0.041},
    {DType::kQ6_K, 0.021}, {DType::kQ8_K, 0.0085},
};

TEST(Quantize, ErrorWithinBoundOnSeveralBlocksAndRows) {
  // Four rows of 768 values: three K-quant super-blocks and 24 32-value blocks per row.
  std::vector<float> values = weight_like(4 * 768, 1, 0.02f);
  for (const Bound& b : kBounds) {
    SCOPED_TRACE(std::string(dtype_name(b.type)));
    std::vector<float> back = round_trip(b.type, values);
    for (size_t r = 0; r < 4; ++r) {
      std::vector<float> want(values.begin() + r * 768, values.begin() + (r + 1) * 768);
      std::vector<float> got(back.begin() + r * 768, back.begin() + (r + 1) * 768);
      EXPECT_LE(rel_rmse(want, got), b.max_rel_rmse) << "row " << r;
    }
  }
}

TEST(Quantize, BlocksAreIndependent) {
  // Quantizing a long run equals quantizing each row on its own, for every type.
  std::vector<float> values = weight_like(3 * 512, 2);
  for (const Bound& b : kBounds) {
    SCOPED_TRACE(std::string(dtype_name(b.type)));
    size_t row = row_bytes(b.type, 512);
    std::vector<uint8_t> whole(3 * row);
    quantize(b.type, values.data(), whole.data(), values.size());
    for (size_t r = 0; r < 3; ++r) {
      std::vector<uint8_t> part(row);
      quantize(b.type, values.data() + r * 512, part.data(), 512);
      EXPECT_EQ(0, std::memcmp(part.data(), whole.data() + r * row, row)) << "row " << r;
    }
  }
}

TEST(Quantize, AllZeroRowStaysExactlyZero) {
  std::vector<float> zeros(512, 0.0f);
  for (const Bound& b : kBounds) {
    SCOPED_TRACE(std::string(dtype_name(b.type)));
    for (float v : round_trip(b.type, zeros)) ASSERT_EQ(v, 0.0f);
  }
}

TEST(Quantize, TinyValuesGiveFiniteSmallOutput) {
  for (float magnitude : {1e-7f, 1e-20f, 1e-38f, 1e-44f}) {
    std::vector<float> values = weight_like(512, 3, magnitude);
    for (const Bound& b : kBounds) {
      SCOPED_TRACE(std::string(dtype_name(b.type)) + " at " + std::to_string(magnitude));
      std::vector<float> back = round_trip(b.type, values);
      for (float v : back) {
        ASSERT_TRUE(std::isfinite(v));
        // Values far below F16's range flush to zero; nothing may come back larger than the
        // smallest F16 step above the input's scale.
        ASSERT_LE(std::fabs(v), 8 * magnitude + 1e-4f);
      }
    }
  }
}

TEST(Quantize, LargeValuesStayFiniteAndAccurate) {
  // Up to ~5e4: every F16 scale and min stays in range (65504).
  std::vector<float> values = weight_like(512, 4, 1e4f);
  values[7] = 50000.0f;
  values[300] = -50000.0f;
  for (const Bound& b : kBounds) {
    SCOPED_TRACE(std::string(dtype_name(b.type)));
    std::vector<float> back = round_trip(b.type, values);
    for (float v : back) ASSERT_TRUE(std::isfinite(v));
    // The two 5-sigma extremes widen their blocks' steps a little: within 1.4x the normal bound.
    EXPECT_LE(rel_rmse(values, back), 1.4 * b.max_rel_rmse);
  }
}

TEST(Quantize, ConstantBlocksComeBackClose) {
  std::vector<float> values(512);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i < 256 ? 0.25f : -3.0f;
  for (const Bound& b : kBounds) {
    SCOPED_TRACE(std::string(dtype_name(b.type)));
    // Exact for most types; F16 scales cost Q8_0 and the K-quants' mins up to ~2.5e-4.
    EXPECT_LE(rel_rmse(values, round_trip(b.type, values)), 1e-3);
  }
}

TEST(Quantize, RefusesNonFiniteValuesForBlockTypes) {
  std::vector<float> values = weight_like(256, 5);
  values[100] = std::numeric_limits<float>::quiet_NaN();
  std::vector<uint8_t> out(row_bytes(DType::kQ4_K, 256));
  try {
    quantize(DType::kQ4_K, values.data(), out.data(), values.size());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Q4_K"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("value 100"), std::string::npos) << e.what();
  }
  // F16 carries infinities through as F16 infinities.
  values[100] = std::numeric_limits<float>::infinity();
  std::vector<uint16_t> half(256);
  quantize(DType::kF16, values.data(), half.data(), values.size());
  EXPECT_EQ(half[100], 0x7c00);
}

TEST(Quantize, RefusesTypesItCannotProduce) {
  std::vector<float> values(256, 1.0f);
  std::vector<uint8_t> out(1024);
  for (DType type : {DType::kIQ2_XXS, DType::kIQ4_NL, DType::kQ8_1, DType::kI8, DType::kTQ1_0}) {
    EXPECT_FALSE(can_quantize(type));
    try {
      quantize(type, values.data(), out.data(), 256);
      ADD_FAILURE() << "expected an Error for " << dtype_name(type);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(dtype_name(type))), std::string::npos)
          << e.what();
    }
  }
  EXPECT_TRUE(can_quantize(DType::kQ4_K));
}

TEST(Quantize, RefusesPartialBlocks) {
  std::vector<float> values(300, 1.0f);
  std::vector<uint8_t> out(1024);
  EXPECT_THROW(quantize(DType::kQ4_0, values.data(), out.data(), 33), Error);
  EXPECT_THROW(quantize(DType::kQ6_K, values.data(), out.data(), 288), Error);
}

TEST(Dequantize, RefusesUnsupportedTypesByName) {
  uint8_t block[512] = {};
  float out[256];
  int refused = 0;
  for (uint32_t id = 0; id < 64; ++id) {
    std::optional<DTypeTraits> t = dtype_traits(id);
    if (!t || t->supported) continue;
    ++refused;
    try {
      dequantize(t->type, block, out, t->block_size);
      ADD_FAILURE() << "expected an Error for " << t->name;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("unsupported tensor type " + std::string(t->name), 0),
                0u)
          << e.what();
    }
  }
  EXPECT_GE(refused, 10);  // the IQ types, TQ, MXFP4, integers, F64, Q8_1
  EXPECT_THROW(require_dequantizable(DType::kIQ2_XXS), Error);
  EXPECT_NO_THROW(require_dequantizable(DType::kQ6_K));
}

TEST(Dequantize, RefusesPartialBlocks) {
  uint8_t block[512] = {};
  float out[256];
  EXPECT_THROW(dequantize(DType::kQ8_0, block, out, 16), Error);
  EXPECT_THROW(dequantize(DType::kQ4_K, block, out, 128), Error);
  EXPECT_NO_THROW(dequantize(DType::kF16, block, out, 3));
}

TEST(Dequantize, Q4_0BlockByHand) {
  // d = 0.5; byte j holds level j in the low nibble (value j) and 15 - j in the high (value j+16).
  BlockQ4_0 block;
  block.d = f32_to_f16(0.5f);
  for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  float out[32];
  dequantize(DType::kQ4_0, &block, out, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 0.5f * (j - 8));
    EXPECT_EQ(out[16 + j], 0.5f * (7 - j));
  }
}

TEST(Dequantize, Q4_KScalePackingByHand) {
  // Sub-block 5 takes its scale from byte 9's low nibble plus byte 1's top two bits, and its min
  // from byte 9's high nibble plus byte 5's top two bits.
  BlockQ4_K block = {};
  block.d = f32_to_f16(1.0f);
  block.dmin = f32_to_f16(0.5f);
  block.scales[9] = 0x3a;                // scale low 0xa, min low 0x3
  block.scales[1] = 0x80;                // scale high bits 2 -> scale 0x2a = 42
  block.scales[5] = 0x40;                // min high bits 1 -> min 0x13 = 19
  for (uint8_t& q : block.qs) q = 0x21;  // low nibble 1, high nibble 2
  float out[256];
  dequantize(DType::kQ4_K, &block, out, 256);
  // Sub-block 5 is values 160..191: the high nibbles of bytes 64..95.
  EXPECT_EQ(out[160], 42.0f * 2 - 0.5f * 19);
  EXPECT_EQ(out[191], 42.0f * 2 - 0.5f * 19);
  EXPECT_EQ(out[0], 0.0f);  // sub-block 0: scale 0, min 0
}

TEST(ActivationQuantizers, Q8_0MatchesQuantize) {
  std::vector<float> values = weight_like(256, 6);
  std::vector<BlockQ8_0> fast(8);
  quantize_row_q8_0(values.data(), fast.data(), values.size());
  std::vector<uint8_t> reference(row_bytes(DType::kQ8_0, 256));
  quantize(DType::kQ8_0, values.data(), reference.data(), 256);
  EXPECT_EQ(0, std::memcmp(fast.data(), reference.data(), reference.size()));
}

TEST(ActivationQuantizers, Q8_1StoresTheScaledSum) {
  std::vector<float> values = weight_like(256, 7, 3.0f);
  std::vector<BlockQ8_1> blocks(8);
  quantize_row_q8_1(values.data(), blocks.data(), values.size());
  std::vector<BlockQ8_0> q8_0(8);
  quantize_row_q8_0(values.data(), q8_0.data(), values.size());
  for (size_t b = 0; b < blocks.size(); ++b) {
    EXPECT_EQ(blocks[b].d, q8_0[b].d);
    EXPECT_EQ(0, std::memcmp(blocks[b].qs, q8_0[b].qs, 32));
    int sum = 0;
    for (int8_t q : blocks[b].qs) sum += q;
    // s is computed from the F32 scale before it is rounded to F16.
    float d = f16_to_f32(blocks[b].d);
    EXPECT_NEAR(f16_to_f32(blocks[b].s), sum * d, std::fabs(sum * d) * 2e-3 + 1e-3);
  }
  std::vector<float> back(256);
  dequantize_row_q8_1(blocks.data(), back.data(), back.size());
  EXPECT_LE(rel_rmse(values, back), 0.0065);
}

TEST(ActivationQuantizers, Q8_KFillsBsumsAndStaysSymmetric) {
  std::vector<float> values = weight_like(512, 8, 5.0f);
  values[3] = -40.0f;  // the extreme maps to exactly -127 * d
  std::vector<BlockQ8_K> blocks(2);
  quantize_row_q8_K(values.data(), blocks.data(), values.size());
  for (const BlockQ8_K& block : blocks) {
    for (int j = 0; j < 16; ++j) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += block.qs[16 * j + i];
      EXPECT_EQ(block.bsums[j], sum);
    }
    for (int8_t q : block.qs) EXPECT_GE(q, -127);
  }
  EXPECT_EQ(blocks[0].qs[3] * blocks[0].d, -40.0f);
  std::vector<float> back(512);
  dequantize_row_q8_K(blocks.data(), back.data(), back.size());
  // The 8-sigma outlier widens block 0's step: about 0.013 expected.
  EXPECT_LE(rel_rmse(values, back), 0.016);
}

}  // namespace
}  // namespace slimllm
