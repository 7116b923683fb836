// The reference kernels against hand-computed values and naive formulas.
#include <gtest/gtest.h>

#include <string>

#include <cmath>
#include <random>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/dispatch.h"
#include "kernels/kernels.h"
#include "tensor/dequantize.h"
#include "tensor/half.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// y[n, rows] from f32 weights [rows, cols], in double.
std::vector<float> naive_matmul(const std::vector<float>& w, int64_t rows, int64_t cols,
                                const std::vector<float>& x, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n * rows));
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t i = 0; i < cols; ++i) sum += double(w[r * cols + i]) * x[t * cols + i];
      y[t * rows + r] = static_cast<float>(sum);
    }
  }
  return y;
}

TEST(Dispatch, ChoosesAVariantTheCpuRuns) {
  std::string name = active_kernels().name;
  EXPECT_TRUE(name == "generic" || name == "avx2" || name == "avxvnni" || name == "avx512" ||
              name == "amx" || name == "neon" || name == "dotprod")
      << name;
  EXPECT_NE(active_kernels().matmul, nullptr);
  EXPECT_STREQ(reference_kernels().name, "generic");
}

TEST(Matmul, F32MatchesNaive) {
  const int64_t rows = 7, cols = 300, n = 70;  // cols not a multiple of the chunk; n > a group
  auto w = random_values(rows * cols, 1);
  auto x = random_values(n * cols, 2);
  std::vector<float> y(n * rows);
  reference_kernels().matmul({DType::kF32, rows, cols, w.data()}, x.data(), n, y.data(), {},
                             nullptr);
  auto want = naive_matmul(w, rows, cols, x, n);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-4f) << i;
}

TEST(Matmul, F16AndQ8_0MatchTheirDequantizedWeights) {
  const int64_t rows = 5, cols = 96, n = 3;
  auto w = random_values(rows * cols, 3);
  auto x = random_values(n * cols, 4);
  for (DType type : {DType::kF16, DType::kQ8_0}) {
    std::vector<uint8_t> packed(row_bytes(type, cols) * rows);
    quantize(type, w.data(), packed.data(), w.size());
    std::vector<float> dequant(w.size());
    dequantize(type, packed.data(), dequant.data(), dequant.size());
    std::vector<float> y(n * rows);
    reference_kernels().matmul({type, rows, cols, packed.data()}, x.data(), n, y.data(), {},
                               nullptr);
    auto want = naive_matmul(dequant, rows, cols, x, n);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], want[i], 1e-4f) << dtype_name(type);
    // And the rows really are the quantized weights, near the originals.
    auto exact = naive_matmul(w, rows, cols, x, n);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], exact[i], 0.5f);
  }
}

TEST(Matmul, ThreadPoolGivesTheSameResult) {
  const int64_t rows = 33, cols = 64, n = 4;
  auto w = random_values(rows * cols, 5);
  auto x = random_values(n * cols, 6);
  std::vector<float> alone(n * rows), pooled(n * rows);
  ThreadPool pool(2);
  reference_kernels().matmul({DType::kF32, rows, cols, w.data()}, x.data(), n, alone.data(), {},
                             nullptr);
  reference_kernels().matmul({DType::kF32, rows, cols, w.data()}, x.data(), n, pooled.data(), {},
                             &pool);
  EXPECT_EQ(alone, pooled);
}

TEST(GetRows, ConvertsF16Rows) {
  std::vector<uint16_t> table = {f32_to_f16(1.0f), f32_to_f16(2.0f), f32_to_f16(-3.0f),
                                 f32_to_f16(0.5f)};
  const int32_t ids[] = {1, 0};
  float out[4];
  get_rows({DType::kF16, 2, 2, table.data()}, ids, 2, out);
  EXPECT_EQ(out[0], -3.0f);
  EXPECT_EQ(out[1], 0.5f);
  EXPECT_EQ(out[2], 1.0f);
  EXPECT_EQ(out[3], 2.0f);
}

TEST(RmsNorm, ScalesByTheRootMeanSquare) {
  const float x[] = {3.0f, 4.0f, 0.0f, 0.0f};  // row 0: mean square 12.5
  const float w[] = {1.0f, 2.0f};
  float out[4];
  rms_norm(x, w, 2, 2, 1e-5f, out, nullptr);
  const float inv = 1.0f / std::sqrt(12.5f + 1e-5f);
  EXPECT_NEAR(out[0], 3.0f * inv, 1e-6f);
  EXPECT_NEAR(out[1], 8.0f * inv, 1e-6f);
  EXPECT_EQ(out[2], 0.0f);  // eps keeps an all-zero row finite
  EXPECT_EQ(out[3], 0.0f);
}

TEST(LayerNorm, CentresScalesThenAppliesWeightAndBias) {
  // Row 0: mean 2, variance 2/3 (values 1, 2, 3); row 1 is constant, so only the bias is left.
  const float x[] = {1.0f, 2.0f, 3.0f, 5.0f, 5.0f, 5.0f};
  const float w[] = {1.0f, 2.0f, 0.5f};
  const float b[] = {0.25f, -1.0f, 0.0f};
  float out[6];
  layer_norm(x, w, b, 2, 3, 1e-5f, out, nullptr);
  const float inv = 1.0f / std::sqrt(2.0f / 3.0f + 1e-5f);
  EXPECT_NEAR(out[0], -inv + 0.25f, 1e-6f);
  EXPECT_NEAR(out[1], -1.0f, 1e-6f);
  EXPECT_NEAR(out[2], 0.5f * inv, 1e-6f);
  EXPECT_EQ(out[3], 0.25f);
  EXPECT_EQ(out[4], -1.0f);
  EXPECT_EQ(out[5], 0.0f);
  // No bias, in place, and a large offset does not cost precision.
  float y[] = {1000001.0f, 1000003.0f};
  const float ones[] = {1.0f, 1.0f};
  layer_norm(y, ones, nullptr, 1, 2, 0.0f, y, nullptr);
  EXPECT_NEAR(y[0], -1.0f, 1e-6f);
  EXPECT_NEAR(y[1], 1.0f, 1e-6f);
}

TEST(LayerNorm, ThreadPoolGivesTheSameResult) {
  const int64_t n = 300, dim = 384;
  auto x = random_values(static_cast<size_t>(n * dim), 3);
  auto w = random_values(static_cast<size_t>(dim), 4);
  auto b = random_values(static_cast<size_t>(dim), 5);
  std::vector<float> serial(x.size()), threaded(x.size());
  layer_norm(x.data(), w.data(), b.data(), n, dim, 1e-12f, serial.data(), nullptr);
  ThreadPool pool(3);
  layer_norm(x.data(), w.data(), b.data(), n, dim, 1e-12f, threaded.data(), &pool);
  EXPECT_EQ(serial, threaded);
}

TEST(Gelu, TanhApproximation) {
  const float x[] = {0.0f, 1.0f, -1.0f, 3.0f, -3.0f, 20.0f, -20.0f};
  float out[7];
  gelu(x, out, 7, nullptr);
  EXPECT_EQ(out[0], 0.0f);
  // Values of 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed independently.
  EXPECT_NEAR(out[1], 0.8411920f, 1e-6f);
  EXPECT_NEAR(out[2], -0.1588080f, 1e-6f);
  EXPECT_NEAR(out[3], 2.9963627f, 1e-6f);
  EXPECT_NEAR(out[4], -0.0036373f, 1e-6f);
  EXPECT_EQ(out[5], 20.0f);  // saturates to x and to 0
  EXPECT_EQ(out[6], 0.0f);
  // Close to the exact x·Φ(x) everywhere (the approximation's known error is below 1e-3).
  for (float v = -6.0f; v <= 6.0f; v += 0.125f) {
    float g;
    gelu(&v, &g, 1, nullptr);
    EXPECT_NEAR(g, 0.5f * v * (1.0f + std::erf(v / std::sqrt(2.0f))), 1e-3f) << v;
  }
}

TEST(GeluMul, IsGeluOfGateTimesUp) {
  // gelu_mul is gelu(gate) · up: against gelu() over the range where 1 + tanh(u) keeps its
  // precision (the sigmoid form is the more exact one below), and at its limits.
  for (float v = -4.0f; v <= 6.0f; v += 0.0625f) {
    const float up = 1.5f - v / 8;
    float g, out;
    gelu(&v, &g, 1, nullptr);
    gelu_mul(&v, &up, &out, 1, nullptr);
    EXPECT_NEAR(out, g * up, 1e-6f + 4e-5f * std::fabs(g * up)) << v;
  }
  const float gate[] = {0.0f, 1.0f, -1.0f, 20.0f, -20.0f, -5.0f};
  const float up[] = {3.0f, 2.0f, -2.0f, 0.5f, 7.0f, 1.0f};
  float out[6];
  gelu_mul(gate, up, out, 6, nullptr);
  EXPECT_EQ(out[0], 0.0f);
  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) computed independently, times up.
  EXPECT_NEAR(out[1], 2 * 0.8411920f, 2e-6f);
  EXPECT_NEAR(out[2], -2 * -0.1588080f, 2e-6f);
  EXPECT_EQ(out[3], 10.0f);  // saturates to x·up and to 0
  EXPECT_NEAR(out[4], 0.0f, 1e-30f);
  // Where 1 + tanh(u) cancels: x·Φ(x) of the approximation, 1 / (1 + e^(-2u)), in double.
  const double u = 0.7978845608028654 * (-5.0 - 0.044715 * 125.0);
  EXPECT_NEAR(out[5], -5.0 / (1.0 + std::exp(-2 * u)), 1e-6 * 5.0 / (1.0 + std::exp(-2 * u)));
}

TEST(Rope, NormalAndNeoxPairDifferentDimensions) {
  // One head of 4 values at position 1 with base 1 (θ = 1 for every pair).
  RopeParams p;
  p.n_rot = 4;
  p.freq_base = 1.0f;
  const int32_t pos = 1;
  const float c = std::cos(1.0f), s = std::sin(1.0f);
  float normal[] = {1.0f, 0.0f, 0.0f, 1.0f};
  rope(normal, 1, 1, 4, &pos, p, nullptr);
  EXPECT_NEAR(normal[0], c, 1e-6f);  // (x0, x1) = (1, 0) turns to (c, s)
  EXPECT_NEAR(normal[1], s, 1e-6f);
  EXPECT_NEAR(normal[2], -s, 1e-6f);  // (x2, x3) = (0, 1) turns to (-s, c)
  EXPECT_NEAR(normal[3], c, 1e-6f);
  p.neox = true;
  float neox[] = {1.0f, 0.0f, 0.0f, 1.0f};
  rope(neox, 1, 1, 4, &pos, p, nullptr);
  EXPECT_NEAR(neox[0], c, 1e-6f);  // pair (x0, x2) = (1, 0)
  EXPECT_NEAR(neox[2], s, 1e-6f);
  EXPECT_NEAR(neox[1], -s, 1e-6f);  // pair (x1, x3) = (0, 1)
  EXPECT_NEAR(neox[3], c, 1e-6f);
}

TEST(Rope, FactorsAndPartialRotation) {
  RopeParams p;
  p.n_rot = 2;  // only the first pair of the 4 turns
  p.freq_base = 10000.0f;
  const float factors[] = {2.0f};
  p.freq_factors = factors;
  const int32_t pos = 3;
  float x[] = {1.0f, 0.0f, 5.0f, 6.0f};
  rope(x, 1, 1, 4, &pos, p, nullptr);
  EXPECT_NEAR(x[0], std::cos(1.5f), 1e-6f);
  EXPECT_NEAR(x[1], std::sin(1.5f), 1e-6f);
  EXPECT_EQ(x[2], 5.0f);
  EXPECT_EQ(x[3], 6.0f);
}

TEST(Rope, NegativePositionUndoesARotation) {
  RopeParams p;
  p.n_rot = 8;
  auto x = random_values(16, 7);
  auto y = x;
  const int32_t fwd[] = {37, 37}, back[] = {-37, -37};
  rope(y.data(), 2, 1, 8, fwd, p, nullptr);
  EXPECT_NE(x, y);
  rope(y.data(), 2, 1, 8, back, p, nullptr);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], 1e-5f);
}

TEST(Softmax, NormalisesAndKeepsOrder) {
  float x[] = {1.0f, 2.0f, 3.0f};
  softmax(x, 3);
  const double e = std::exp(1.0), d = 1 + e + e * e;
  EXPECT_NEAR(x[0], 1 / d, 1e-6);
  EXPECT_NEAR(x[1], e / d, 1e-6);
  EXPECT_NEAR(x[2], e * e / d, 1e-6);
}

TEST(SiluMul, MultipliesSiluOfGateByUp) {
  const float gate[] = {0.0f, 1.0f, -2.0f};
  const float up[] = {5.0f, 2.0f, 3.0f};
  float out[3];
  silu_mul(gate, up, out, 3, nullptr);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_NEAR(out[1], 2.0f / (1.0f + std::exp(-1.0f)), 1e-6f);
  EXPECT_NEAR(out[2], 3.0f * -2.0f / (1.0f + std::exp(2.0f)), 1e-6f);
}

TEST(Attention, WeighsValuesBySoftmaxOfScores) {
  // Two query heads sharing one KV head of size 2; two cells.
  const float q[] = {1.0f, 0.0f, 0.0f, 1.0f};
  const std::vector<uint16_t> k = {f32_to_f16(1.0f), f32_to_f16(0.0f),   // cell 0
                                   f32_to_f16(0.0f), f32_to_f16(1.0f)};  // cell 1
  const std::vector<uint16_t> v = {f32_to_f16(10.0f), f32_to_f16(0.0f), f32_to_f16(0.0f),
                                   f32_to_f16(20.0f)};
  const uint16_t* kc[] = {k.data()};
  const uint16_t* vc[] = {v.data()};
  int32_t visible[] = {2};
  float out[4];
  AttentionArgs a;
  a.q = q;
  a.out = out;
  a.k_cells = kc;
  a.v_cells = vc;
  a.n_visible = visible;
  a.n_tokens = 1;
  a.n_head = 2;
  a.n_head_kv = 1;
  a.head_dim = 2;
  a.cell_stride = 2;
  a.scale = 1.0f;
  reference_kernels().attention(a, nullptr);
  const float w0 = std::exp(1.0f) / (std::exp(1.0f) + 1.0f);  // head 0 prefers cell 0
  EXPECT_NEAR(out[0], 10.0f * w0, 1e-5f);
  EXPECT_NEAR(out[1], 20.0f * (1 - w0), 1e-5f);
  EXPECT_NEAR(out[2], 10.0f * (1 - w0), 1e-5f);  // head 1 prefers cell 1
  EXPECT_NEAR(out[3], 20.0f * w0, 1e-5f);
  visible[0] = 1;  // causal: only cell 0
  reference_kernels().attention(a, nullptr);
  EXPECT_NEAR(out[0], 10.0f, 1e-5f);
  EXPECT_NEAR(out[3], 0.0f, 1e-5f);
}

// One head of size 1 over `cells` cells: cell c holds key keys[c] and value c; the query is 1.
// What the reference attention returns for the last token of a sequence of `cells` tokens.
float attend_line(const std::vector<float>& keys, int32_t window, float softcap, float scale) {
  std::vector<uint16_t> k, v;
  for (size_t c = 0; c < keys.size(); ++c) {
    k.push_back(f32_to_f16(keys[c]));
    v.push_back(f32_to_f16(static_cast<float>(c)));
  }
  const float q[] = {1.0f};
  const uint16_t* kc[] = {k.data()};
  const uint16_t* vc[] = {v.data()};
  const int32_t visible[] = {static_cast<int32_t>(keys.size())};
  float out = NAN;
  AttentionArgs a;
  a.q = q;
  a.out = &out;
  a.k_cells = kc;
  a.v_cells = vc;
  a.n_visible = visible;
  a.n_tokens = 1;
  a.n_head = 1;
  a.n_head_kv = 1;
  a.head_dim = 1;
  a.cell_stride = 1;
  a.scale = scale;
  a.window = window;
  a.softcap = softcap;
  reference_kernels().attention(a, nullptr);
  return out;
}

TEST(Attention, SlidingWindowSeesOnlyTheLastWindowPositions) {
  // Position 11 with a window of 4 sees positions 8..11 (llama.cpp masks p1 - p0 >= window).
  // Cell 3 has by far the largest key: outside the window it must not count at all.
  std::vector<float> keys(12, 0.0f);
  keys[3] = 8.0f;
  keys[9] = 1.0f;
  const double e = std::exp(1.0);
  EXPECT_NEAR(attend_line(keys, 4, 0, 1.0f), (8 + 9 * e + 10 + 11) / (3 + e), 1e-4);
  // Without a window (or one wider than the context) cell 3 dominates.
  const double e8 = std::exp(8.0);
  const double all = (3 * e8 + 9 * e + (66 - 3 - 9)) / (e8 + e + 10);
  EXPECT_NEAR(attend_line(keys, 0, 0, 1.0f), all, 1e-3);
  EXPECT_NEAR(attend_line(keys, 12, 0, 1.0f), all, 1e-3);
  EXPECT_NEAR(attend_line(keys, 1, 0, 1.0f), 11.0, 1e-5);  // a window of 1: the token itself
}

TEST(Attention, SoftCapBendsLargeScores) {
  // Scores 200 and 100 (keys 40 and 20, scale 5) capped at 50: 50·tanh(4) and 50·tanh(2), a gap
  // of 3.15 instead of 100, so the second cell keeps a weight of e^-3.15.
  const std::vector<float> keys = {40.0f, 20.0f};
  const double s0 = 50 * std::tanh(4.0), s1 = 50 * std::tanh(2.0);
  const double w1 = std::exp(s1 - s0) / (1 + std::exp(s1 - s0));
  EXPECT_NEAR(attend_line(keys, 0, 50.0f, 5.0f), w1, 1e-5);
  EXPECT_LT(attend_line(keys, 0, 0, 5.0f), 1e-6);  // uncapped: cell 1 vanishes
  // Small scores barely change: tanh(x) ≈ x.
  const std::vector<float> small = {0.2f, 0.1f};
  const double w = std::exp(-0.1) / (1 + std::exp(-0.1));
  EXPECT_NEAR(attend_line(small, 0, 50.0f, 1.0f), w, 1e-4);
}

}  // namespace
}  // namespace slimllm
