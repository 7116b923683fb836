// The x86 row-wise kernels (RMSNorm, SiLU·mul, softmax, RoPE) against the scalar reference, on
// every variant this CPU runs, for sizes that are and are not multiples of the vector width.
//
// Error bounds (relative to the magnitude of each output):
// - RMSNorm: f32 sums instead of double, 4·2⁻²³·(dim/32 + 8) of the scale, plus 2 rounding steps.
// - SiLU·mul and softmax: the vector exp is within a few ulp; 16·2⁻²³ relative, and for softmax
//   the f32 sum adds n/8·2⁻²³.
// - GELU·mul: as SiLU·mul, plus the rounding of exp's argument a = 2·√(2/π)·(g + 0.044715·g³)
//   (FMA or not: a few ulp of a, which e^a turns into a relative error of about |a|·2⁻²³ each).
// - RoPE: the angles are the reference's own values; only FMA contraction differs, 4·2⁻²³ of
//   |x0| + |x1|.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/dispatch.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/x86_kernels.h"

namespace slimllm {
namespace {

constexpr double kUlp = 1.0 / (1 << 23);

struct Variant {
  const char* name;
  bool (*supported)();
  const KernelTable& (*table)();
};

const Variant kVariants[] = {
    {"avx2", avx2_kernels_supported, avx2_kernels},
    {"avxvnni", avxvnni_kernels_supported, avxvnni_kernels},
    {"avx512", avx512_kernels_supported, avx512_kernels},
};

std::vector<float> random_values(size_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

class SimdElementwiseTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << GetParam().name << " not supported by this CPU";
  }
  const KernelTable& table() const { return GetParam().table(); }
};

INSTANTIATE_TEST_SUITE_P(X86, SimdElementwiseTest, ::testing::ValuesIn(kVariants),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(SimdElementwiseTest, UsesItsOwnKernels) {
  // Otherwise the comparisons below would compare the reference with itself.
  EXPECT_NE(table().rms_norm, reference_kernels().rms_norm);
  EXPECT_NE(table().silu_mul, reference_kernels().silu_mul);
  EXPECT_NE(table().gelu_mul, reference_kernels().gelu_mul);
  EXPECT_NE(table().softmax, reference_kernels().softmax);
  EXPECT_NE(table().rope, reference_kernels().rope);
}

TEST_P(SimdElementwiseTest, RmsNormMatchesTheReference) {
  ThreadPool pool(2);
  uint32_t seed = 1;
  for (int64_t dim : {1, 7, 8, 31, 32, 33, 100, 2048}) {
    for (int64_t n : {1, 3}) {
      const auto x = random_values(static_cast<size_t>(n * dim), seed++, 3.0f);
      const auto weight = random_values(static_cast<size_t>(dim), seed++);
      std::vector<float> want(x.size()), got(x.size());
      ref::rms_norm(x.data(), weight.data(), n, dim, 1e-5f, want.data(), nullptr);
      table().rms_norm(x.data(), weight.data(), n, dim, 1e-5f, got.data(), &pool);
      const double tol = (4.0 * (dim / 32 + 8) + 3) * kUlp;
      for (size_t i = 0; i < x.size(); ++i)
        ASSERT_NEAR(got[i], want[i], tol * std::fabs(want[i]) + 1e-30)
            << "dim=" << dim << " n=" << n << " i=" << i;
    }
  }
  // In place (out aliases x).
  auto x = random_values(64, 99);
  std::vector<float> want(64);
  const auto weight = random_values(64, 98);
  ref::rms_norm(x.data(), weight.data(), 1, 64, 1e-6f, want.data(), nullptr);
  table().rms_norm(x.data(), weight.data(), 1, 64, 1e-6f, x.data(), nullptr);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], want[i], 1e-5 * std::fabs(want[i]));
}

TEST_P(SimdElementwiseTest, SiluMulMatchesTheReference) {
  ThreadPool pool(2);
  for (int64_t n : {1, 5, 8, 9, 64, 1000, 70001}) {
    // Wide range of gates, including values where exp over- or underflows.
    auto gate = random_values(static_cast<size_t>(n), 7, 6.0f);
    if (n > 4) {
      gate[0] = 100.0f;
      gate[1] = -100.0f;
      gate[2] = 0.0f;
      gate[3] = -88.5f;
    }
    const auto up = random_values(static_cast<size_t>(n), 8);
    std::vector<float> want(gate.size()), got(gate.size());
    ref::silu_mul(gate.data(), up.data(), want.data(), n, nullptr);
    table().silu_mul(gate.data(), up.data(), got.data(), n, &pool);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(got[i], want[i], 16 * kUlp * std::fabs(want[i]) + 1e-35)
          << "n=" << n << " i=" << i << " gate=" << gate[i];
  }
}

TEST_P(SimdElementwiseTest, GeluMulMatchesTheReference) {
  ThreadPool pool(2);
  for (int64_t n : {1, 5, 8, 9, 64, 1000, 6912, 70001}) {
    // Gates over the whole range, including where exp over- or underflows (|g| above ~5).
    auto gate = random_values(static_cast<size_t>(n), 17, 3.0f);
    if (n > 5) {
      gate[0] = 100.0f;
      gate[1] = -100.0f;
      gate[2] = 0.0f;
      gate[3] = -9.5f;
      gate[4] = 1e20f;
    }
    const auto up = random_values(static_cast<size_t>(n), 18);
    std::vector<float> want(gate.size()), got(gate.size());
    ref::gelu_mul(gate.data(), up.data(), want.data(), n, nullptr);
    table().gelu_mul(gate.data(), up.data(), got.data(), n, &pool);
    for (int64_t i = 0; i < n; ++i) {
      const double g = gate[i];
      const double a = std::fabs(2 * 0.7978845608 * (g + 0.044715 * g * g * g));
      const double tol = (16 + 4 * std::min(a, 90.0)) * kUlp;
      ASSERT_NEAR(got[i], want[i], tol * std::fabs(want[i]) + 1e-35)
          << "n=" << n << " i=" << i << " gate=" << gate[i];
    }
  }
  // In place (out aliases gate), as the decoder calls it.
  auto gate = random_values(100, 19, 2.0f);
  const auto up = random_values(100, 20);
  std::vector<float> want(100);
  ref::gelu_mul(gate.data(), up.data(), want.data(), 100, nullptr);
  table().gelu_mul(gate.data(), up.data(), gate.data(), 100, nullptr);
  for (size_t i = 0; i < gate.size(); ++i)
    ASSERT_NEAR(gate[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-35) << i;
}

TEST_P(SimdElementwiseTest, SoftmaxMatchesTheReference) {
  for (int64_t n : {1, 2, 8, 13, 64, 1000, 32000}) {
    auto x = random_values(static_cast<size_t>(n), 11, 5.0f);
    if (n > 2) x[1] = -1e30f;  // underflows to 0
    auto want = x;
    ref::softmax(want.data(), n);
    table().softmax(x.data(), n);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(x[i], want[i], (16 + n / 8.0) * kUlp * want[i] + 1e-38)
          << "n=" << n << " i=" << i;
      sum += x[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST_P(SimdElementwiseTest, RopeMatchesTheReference) {
  ThreadPool pool(2);
  const float factors[64] = {1, 1, 2, 4, 8, 8, 1.5f, 3, 1, 1, 2, 4, 8, 8, 1.5f, 3,
                             1, 1, 2, 4, 8, 8, 1.5f, 3, 1, 1, 2, 4, 8, 8, 1.5f, 3,
                             1, 1, 2, 4, 8, 8, 1.5f, 3, 1, 1, 2, 4, 8, 8, 1.5f, 3,
                             1, 1, 2, 4, 8, 8, 1.5f, 3, 1, 1, 2, 4, 8, 8, 1.5f, 3};
  struct Case {
    int64_t head_dim, n_rot;
    bool neox;
    bool factors;
  };
  const Case cases[] = {{64, 64, false, false}, {64, 64, true, false},  {128, 128, true, false},
                        {64, 64, false, true},  {12, 12, false, false}, {12, 12, true, false},
                        {40, 24, false, false}, {40, 24, true, true},   {2, 2, false, false}};
  for (const Case& c : cases) {
    const int64_t n_tokens = 5, n_heads = 3;
    std::vector<int32_t> pos = {0, 1, 17, 500, 8191};
    RopeParams p;
    p.n_rot = static_cast<int>(c.n_rot);
    p.freq_base = 500000.0f;
    p.freq_scale = 0.5f;
    p.neox = c.neox;
    p.freq_factors = c.factors ? factors : nullptr;
    const auto x = random_values(static_cast<size_t>(n_tokens * n_heads * c.head_dim), 21);
    auto want = x, got = x;
    ref::rope(want.data(), n_tokens, n_heads, c.head_dim, pos.data(), p, nullptr);
    table().rope(got.data(), n_tokens, n_heads, c.head_dim, pos.data(), p, &pool);
    for (size_t i = 0; i < x.size(); ++i) {
      // |x0| + |x1| bounds the magnitude of every term of the rotation.
      const double bound = 4 * kUlp * (std::fabs(x[i]) + 4.0) + 1e-7;
      ASSERT_NEAR(got[i], want[i], bound)
          << "head_dim=" << c.head_dim << " n_rot=" << c.n_rot << " neox=" << c.neox << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace slimllm
