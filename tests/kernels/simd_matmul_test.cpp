// The SIMD matmul variants (x86 and Arm) against the scalar reference, on every variant this CPU
// runs.
//
// Error bounds, per output y[t, r] = Σ_i w_i·x_i over `cols` values:
// - Against the "quantized oracle" (double-precision dot of the reference-dequantized weights ŵ
//   with the reference-quantized-then-dequantized activations x̂): the integer block products
//   are exact, so the only error is f32 rounding of the scale products and of the running sums:
//   |y − oracle| ≤ 8·(cols/8 + 16)·2⁻²³·Σ|ŵ_i·x̂_i| (a generous multiple of the textbook
//   summation bound; a wrong scale, offset or lane order breaks it by orders of magnitude).
// - Against ref::matmul (f32 activations, the oracle of record): the activation quantization adds
//   at most Σ|ŵ_i|·|x_i − x̂_i|, computed exactly from the reference quantizer.
// Float weights (F32/F16/BF16) skip quantization: |y − ref| ≤ 8·(cols/8 + 16)·2⁻²³·Σ|w_i·x_i|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/thread_pool.h"
#include "kernels/dispatch.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/arm/arm_kernels.h"
#include "kernels/x86/isa.h"
#include "kernels/x86/x86_kernels.h"
#include "tensor/dequantize.h"
#include "tensor/half.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

struct Variant {
  const char* name;
  bool (*supported)();
  const KernelTable& (*table)();
  // The variant's own activation quantizers (x86); null where it uses the reference's.
  int64_t (*q32_act_stride)(int64_t);
  void (*quantize_q32)(const float*, int64_t, uint8_t*);
  void (*unpack_q32)(const uint8_t*, int64_t, int8_t*, float*);
  void (*quantize_q8k)(const float*, int64_t, BlockQ8_K*);
};

const Variant kVariants[] = {
#if defined(__x86_64__)
    {"avx2", avx2_kernels_supported, avx2_kernels, x86::avx2::q32_act_stride,
     x86::avx2::quantize_q32, x86::avx2::unpack_q32, x86::avx2::quantize_q8k},
    {"avxvnni", avxvnni_kernels_supported, avxvnni_kernels, x86::avxvnni::q32_act_stride,
     x86::avxvnni::quantize_q32, x86::avxvnni::unpack_q32, x86::avxvnni::quantize_q8k},
    {"avx512", avx512_kernels_supported, avx512_kernels, x86::avx512::q32_act_stride,
     x86::avx512::quantize_q32, x86::avx512::unpack_q32, x86::avx512::quantize_q8k},
    {"amx", amx_kernels_supported, amx_kernels, x86::amx::q32_act_stride, x86::amx::quantize_q32,
     x86::amx::unpack_q32, x86::amx::quantize_q8k},
#elif defined(__aarch64__)
    {"neon", neon_kernels_supported, neon_kernels, nullptr, nullptr, nullptr, nullptr},
    {"dotprod", dotprod_kernels_supported, dotprod_kernels, nullptr, nullptr, nullptr, nullptr},
#endif
};

// Normal values with a different scale per 32 (so blocks differ) and a few outliers.
std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> scale(0.05f, 3.0f);
  std::vector<float> v(n);
  float s = 1;
  for (size_t i = 0; i < n; ++i) {
    if (i % 32 == 0) s = scale(rng);
    v[i] = normal(rng) * s;
    if (i % 97 == 13) v[i] *= 8;
  }
  return v;
}

struct Weights {
  DType type;
  int64_t rows, cols;
  std::vector<uint8_t> packed;
  std::vector<float> dequantized;  // [rows, cols], what the reference computes with
  WeightView view() const { return {type, rows, cols, packed.data()}; }
};

Weights make_weights(DType type, int64_t rows, int64_t cols, uint32_t seed) {
  Weights w{type, rows, cols, {}, {}};
  auto values = random_values(static_cast<size_t>(rows * cols), seed);
  const size_t rb = row_bytes(type, cols);
  w.packed.resize(rb * rows);
  w.dequantized.resize(values.size());
  for (int64_t r = 0; r < rows; ++r) {
    quantize(type, values.data() + r * cols, w.packed.data() + r * rb, cols);
    ref::row_to_f32(type, w.packed.data() + r * rb, 0, cols, w.dequantized.data() + r * cols);
    if (type == DType::kF32) {
      std::memcpy(w.dequantized.data() + r * cols, w.packed.data() + r * rb, rb);
    }
  }
  return w;
}

// x̂: the activations as the fast path sees them after quantizing to the weight's partner type.
std::vector<float> quantized_activations(DType weight_type, const std::vector<float>& x, int64_t n,
                                         int64_t cols) {
  std::vector<float> out(x.size());
  for (int64_t t = 0; t < n; ++t) {
    const float* src = x.data() + t * cols;
    float* dst = out.data() + t * cols;
    switch (weight_type) {
      case DType::kQ8_0:
      case DType::kQ4_0: {
        std::vector<BlockQ8_0> q(cols / 32);
        quantize_row_q8_0(src, q.data(), cols);
        dequantize_row_q8_0(q.data(), dst, cols);
        break;
      }
      case DType::kQ4_K:
      case DType::kQ5_K:
      case DType::kQ6_K: {
        std::vector<BlockQ8_K> q(cols / 256);
        quantize_row_q8_K(src, q.data(), cols);
        dequantize_row_q8_K(q.data(), dst, cols);
        break;
      }
      default:
        std::memcpy(dst, src, cols * sizeof(float));
    }
  }
  return out;
}

// y[n, w.rows], what a fast path computed for w against x, within the bounds above.
void expect_within_bounds(const Weights& w, const std::vector<float>& x, int64_t n,
                          const std::vector<float>& y) {
  const int64_t rows = w.rows, cols = w.cols;
  const auto xq = quantized_activations(w.type, x, n, cols);
  std::vector<float> want(y.size());
  ref::matmul(w.view(), x.data(), n, want.data(), {}, nullptr);

  const double eps = std::ldexp(1.0, -23);
  const double rounding = 8.0 * (cols / 8 + 16) * eps;
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* wr = w.dequantized.data() + r * cols;
      const float* xr = x.data() + t * cols;
      const float* qr = xq.data() + t * cols;
      double oracle = 0, magnitude = 0, quant_error = 0;
      for (int64_t i = 0; i < cols; ++i) {
        oracle += double(wr[i]) * qr[i];
        magnitude += std::fabs(double(wr[i]) * qr[i]);
        quant_error += std::fabs(double(wr[i])) * std::fabs(double(xr[i]) - qr[i]);
      }
      const double got = y[t * rows + r];
      const double tol = rounding * magnitude + 1e-30;
      ASSERT_NEAR(got, oracle, tol) << "t=" << t << " r=" << r;
      ASSERT_NEAR(got, want[t * rows + r], tol + quant_error * (1 + 1e-6))
          << "t=" << t << " r=" << r;
    }
  }
}

// w against n tokens x ([n, w.cols]) through the variant's matmul, within the bounds above.
void check_matmul_of(const Variant& v, const Weights& w, const std::vector<float>& x, int64_t n,
                     ThreadPool* pool) {
  const DType type = w.type;
  const int64_t rows = w.rows, cols = w.cols;
  SCOPED_TRACE(std::string(v.name) + " " + std::string(dtype_name(type)) +
               " rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) +
               " n=" + std::to_string(n) + (pool ? " threads=2" : ""));
  const KernelTable& table = v.table();
  std::vector<uint8_t> scratch(table.matmul_scratch_bytes(type, cols, n) + 3);
  // An odd offset: the kernels must not assume an aligned scratch.
  Scratch s{scratch.data() + 3, scratch.size() - 3};
  std::vector<float> y(static_cast<size_t>(n * rows), NAN);
  table.matmul(w.view(), x.data(), n, y.data(), s, pool);
  expect_within_bounds(w, x, n, y);
}

void check_matmul(const Variant& v, DType type, int64_t rows, int64_t cols, int64_t n,
                  ThreadPool* pool, uint32_t seed) {
  const Weights w = make_weights(type, rows, cols, seed);
  check_matmul_of(v, w, random_values(static_cast<size_t>(n * cols), seed + 1000), n, pool);
}

// `rows` rows of K-quant blocks with every value and scale at its largest: the integer sums the
// kernels keep in int16 before scaling reach their bounds (Q4_K: 8·2·15·127 = 30480).
Weights extreme_kquant_weights(DType type, int64_t rows, int64_t cols) {
  Weights w{type, rows, cols, {}, {}};
  const size_t rb = row_bytes(type, cols);
  w.packed.resize(rb * rows);
  w.dequantized.resize(static_cast<size_t>(rows * cols));
  for (int64_t b = 0; b < rows * cols / 256; ++b) {
    uint8_t* p = w.packed.data() + b * traits(type).block_bytes;
    if (type == DType::kQ6_K) {
      auto* blk = reinterpret_cast<BlockQ6_K*>(p);
      std::memset(blk->ql, 0xff, sizeof blk->ql);  // values 63
      std::memset(blk->qh, 0xff, sizeof blk->qh);
      std::memset(blk->scales, 127, sizeof blk->scales);
      blk->d = f32_to_f16(1.0f / 1024);
    } else {
      // Q4_K and Q5_K share the header: d, dmin, then 6-bit scales and mins all 63.
      auto* blk = reinterpret_cast<BlockQ4_K*>(p);
      blk->d = f32_to_f16(1.0f / 1024);
      blk->dmin = f32_to_f16(0.0f);
      std::memset(blk->scales, 0xff, sizeof blk->scales);
      std::memset(p + sizeof(BlockQ4_K) - sizeof blk->qs, 0xff,
                  traits(type).block_bytes - (sizeof(BlockQ4_K) - sizeof blk->qs));  // 15 or 31
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    ref::row_to_f32(type, w.packed.data() + r * rb, 0, cols, w.dequantized.data() + r * cols);
  }
  return w;
}

class SimdTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << GetParam().name << " not supported by this CPU";
  }
};

INSTANTIATE_TEST_SUITE_P(Cpu, SimdTest, ::testing::ValuesIn(kVariants),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(SimdTest, QuantizeQ8_0MatchesTheReference) {
  if (GetParam().quantize_q32 == nullptr) GTEST_SKIP() << "quantizes with the reference";
  const int64_t cols = 32 * 9;
  auto x = random_values(cols, 7);
  // Exact ties after scaling: with amax 127 the scale is 1, and std::round takes k.5 away from 0.
  for (int i = 0; i < 32; ++i) x[32 + i] = i == 0 ? 127.0f : (i % 2 ? 1 : -1) * (i * 0.5f);
  std::fill(x.begin() + 64, x.begin() + 96, 0.0f);  // a zero block
  std::vector<BlockQ8_0> want(cols / 32);
  quantize_row_q8_0(x.data(), want.data(), cols);
  std::vector<uint8_t> act(GetParam().q32_act_stride(cols));
  GetParam().quantize_q32(x.data(), cols, act.data());
  std::vector<int8_t> qs(cols);
  std::vector<float> d(cols / 32);
  GetParam().unpack_q32(act.data(), cols, qs.data(), d.data());
  for (int64_t b = 0; b < cols / 32; ++b) {
    EXPECT_EQ(d[b], f16_to_f32(want[b].d)) << "block " << b;
    for (int i = 0; i < 32; ++i)
      EXPECT_EQ(qs[32 * b + i], want[b].qs[i]) << "block " << b << " " << i;
  }
}

TEST_P(SimdTest, QuantizeQ8_KIsByteIdentical) {
  if (GetParam().quantize_q8k == nullptr) GTEST_SKIP() << "quantizes with the reference";
  const int64_t cols = 256 * 4;
  auto x = random_values(cols, 8);
  // Ties round to even; the largest magnitude appears with both signs (the first one wins).
  for (int i = 0; i < 256; ++i) x[256 + i] = (i % 2 ? 1 : -1) * ((i % 100) * 0.5f);
  x[256 + 3] = -127.0f;
  x[256 + 4] = 127.0f;
  std::fill(x.begin() + 512, x.begin() + 768, 0.0f);
  std::vector<BlockQ8_K> want(cols / 256), got(cols / 256);
  quantize_row_q8_K(x.data(), want.data(), cols);
  GetParam().quantize_q8k(x.data(), cols, got.data());
  EXPECT_EQ(std::memcmp(want.data(), got.data(), sizeof(BlockQ8_K) * want.size()), 0);
  for (size_t b = 0; b < want.size(); ++b) {
    EXPECT_EQ(got[b].d, want[b].d) << b;
    for (int j = 0; j < 16; ++j) EXPECT_EQ(got[b].bsums[j], want[b].bsums[j]) << b << " " << j;
  }
}

TEST_P(SimdTest, QuantizedTypesMatchTheReference) {
  const int64_t kRows[] = {1, 2, 3, 4, 5, 7, 8, 13, 37};
  const int64_t kTokens[] = {1, 2, 3, 4, 5, 7, 8, 9, 19};
  uint32_t seed = 1;
  for (DType type : {DType::kQ8_0, DType::kQ4_0}) {
    for (int64_t rows : kRows)
      for (int64_t n : kTokens) check_matmul(GetParam(), type, rows, 32 * 5, n, nullptr, seed++);
    check_matmul(GetParam(), type, 9, 32, 4, nullptr, seed++);
    check_matmul(GetParam(), type, 6, 32 * 33, 11, nullptr, seed++);
    check_matmul(GetParam(), type, 3, 64, 300, nullptr, seed++);  // several passes of tokens
  }
  for (DType type : {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    for (int64_t rows : {1, 2, 5, 13, 37})
      for (int64_t n : {1, 2, 3, 4, 5, 8, 9, 19})
        check_matmul(GetParam(), type, rows, 256 * 2, n, nullptr, seed++);
    check_matmul(GetParam(), type, 3, 256, 7, nullptr, seed++);
    check_matmul(GetParam(), type, 4, 256 * 5, 10, nullptr, seed++);
    check_matmul(GetParam(), type, 2, 256, 260, nullptr, seed++);  // several passes of tokens
  }
}

// A batched decode step: 2..8 tokens (one per sequence) take the decode products, which read
// each weight row once for all tokens (common.inc's kGemvMaxTokens), in row streams of 1, 2 or 4
// with their tails; an odd number of blocks leaves the AVX-512 pair layout a last single block.
TEST_P(SimdTest, DecodeStepsOfSeveralTokensMatchTheReference) {
  uint32_t seed = 900;
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    const int64_t block = type == DType::kQ8_0 || type == DType::kQ4_0 ? 32 : 256;
    for (int64_t n = 2; n <= 8; ++n) {
      for (int64_t rows : {1, 3, 4, 9, 18, 67})
        check_matmul(GetParam(), type, rows, block * 3, n, nullptr, seed++);
      check_matmul(GetParam(), type, 40, block * 8, n, nullptr, seed++);
    }
  }
}

// A forward pass sizes its scratch once for its most tokens; every smaller count must fit in
// it, the decode steps' layout (one token apart) included.
TEST_P(SimdTest, ScratchForMoreTokensServesFewer) {
  const KernelTable& table = GetParam().table();
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K}) {
    for (int64_t cols : {int64_t{256}, int64_t{2048}}) {
      for (int64_t most : {9, 16, 64, 512}) {
        for (int64_t n = 1; n <= most; ++n) {
          EXPECT_LE(table.matmul_scratch_bytes(type, cols, n),
                    table.matmul_scratch_bytes(type, cols, most))
              << GetParam().name << " " << dtype_name(type) << " cols=" << cols << " n=" << n
              << " most=" << most;
        }
      }
    }
  }
}

// The widest prompt tiles (AMX: 32 rows × 32 tokens, whole 16-token groups) full, partial
// and with tails, up to the 128 tokens of a pass; and a matrix wider than the AMX Q8_0 tiles'
// scale buffer (512 blocks), which takes the avx512 path.
TEST_P(SimdTest, ShapesAroundTheLargestTilesMatchTheReference) {
  uint32_t seed = 300;
  for (DType type : {DType::kQ8_0, DType::kQ4_0}) {
    for (int64_t rows : {32, 64, 70})
      for (int64_t n : {16, 17, 32, 33, 45})
        check_matmul(GetParam(), type, rows, 32 * 7, n, nullptr, seed++);
    check_matmul(GetParam(), type, 33, 32 * 513, 20, nullptr, seed++);
  }
  for (DType type : {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    for (int64_t rows : {32, 70})
      for (int64_t n : {16, 17, 33, 45, 128})
        check_matmul(GetParam(), type, rows, 256 * 3, n, nullptr, seed++);
  }
}

TEST_P(SimdTest, KQuantSumsAtTheirLimitsDoNotOverflow) {
  const int64_t cols = 512;
  // Q8_K maps a block's first largest magnitude to -127: all ones quantize to -127 everywhere,
  // and a leading -1 before ones to +127 after it. 19 tokens: two groups of 8 and a partial one
  // (AVX-512: one group of 16 and a partial one); 45: enough for the AMX tiles (more than 32).
  const int64_t n = 45;
  const int64_t few = 19;
  std::vector<float> x(static_cast<size_t>(n * cols), 1.0f);
  for (int64_t t = 1; t < n; t += 2) {
    for (int64_t b = 0; b < cols / 256; ++b) x[t * cols + 256 * b] = -1.0f;
  }
  for (DType type : {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    const Weights w = extreme_kquant_weights(type, 37, cols);  // AMX slabs of 16 and 32, and a tail
    // The extremes are what they claim: the largest value in every position.
    EXPECT_EQ(w.dequantized[0], w.dequantized[cols - 1]) << dtype_name(type);
    EXPECT_GT(w.dequantized[0], 0.0f) << dtype_name(type);
    check_matmul_of(GetParam(), w, x, 1, nullptr);
    check_matmul_of(GetParam(), w, x, few, nullptr);
    check_matmul_of(GetParam(), w, x, n, nullptr);
  }
}

// One thread gets every row; the GEMM walks them in L2-sized blocks (512 KB of weights), so a
// matrix of a few MB crosses several block edges, one of them inside a row tile.
TEST_P(SimdTest, MatricesLargerThanOneRowBlockMatchTheReference) {
  uint32_t seed = 700;
  for (DType type : {DType::kQ8_0, DType::kQ4_K, DType::kQ6_K}) {
    const int64_t cols = 4096;
    const int64_t block_rows = (512 << 10) / static_cast<int64_t>(row_bytes(type, cols));
    check_matmul(GetParam(), type, 2 * block_rows + 7, cols, 9, nullptr, seed++);
  }
}

TEST_P(SimdTest, FloatTypesMatchTheReference) {
  uint32_t seed = 500;
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16}) {
    for (int64_t rows : {1, 2, 3, 4, 5, 7, 13, 37})
      for (int64_t n : {1, 2, 3, 5, 6, 7, 19})
        check_matmul(GetParam(), type, rows, 40, n, nullptr, seed++);
    for (int64_t cols : {1, 7, 9, 33, 257})
      check_matmul(GetParam(), type, 5, cols, 3, nullptr, seed++);
  }
}

TEST_P(SimdTest, TwoThreadsGiveTheSameResult) {
  ThreadPool pool(2);
  uint32_t seed = 900;
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ6_K, DType::kF16}) {
    const int64_t cols = type == DType::kQ4_K || type == DType::kQ6_K ? 512 : 96;
    for (int64_t n : {1, 6, 40}) {  // 40: the AMX K-quant tiles take more than 32 tokens
      check_matmul(GetParam(), type, 37, cols, n, &pool, seed);
      // The row split changes no row's arithmetic, so one and two threads agree bit for bit.
      const Weights w = make_weights(type, 37, cols, seed);
      const auto x = random_values(static_cast<size_t>(n * cols), seed + 1);
      const KernelTable& table = GetParam().table();
      std::vector<uint8_t> scratch(table.matmul_scratch_bytes(type, cols, n));
      std::vector<float> one(n * 37), two(n * 37);
      table.matmul(w.view(), x.data(), n, one.data(), {scratch.data(), scratch.size()}, nullptr);
      table.matmul(w.view(), x.data(), n, two.data(), {scratch.data(), scratch.size()}, &pool);
      EXPECT_EQ(one, two) << dtype_name(type) << " n=" << n;
      ++seed;
    }
  }
}

// matmul_many of products that read the same activations, of mixed types: two Q4_K share one
// quantization, Q6_K has its own, F16 needs none and Q5_0 goes to the reference. Sized by the
// group's matmul_scratch_bytes; n = 130 takes two passes of tokens.
TEST_P(SimdTest, MatmulManyComputesEveryProductAsMatmulDoes) {
  const KernelTable& table = GetParam().table();
  override_active_kernels(&table);  // matmul_scratch_bytes(group) asks the active table
  const int64_t cols = 512;
  std::vector<Weights> ws;
  uint32_t seed = 1100;
  for (auto [type, rows] : {std::pair{DType::kQ4_K, 37},
                            {DType::kQ6_K, 13},
                            {DType::kQ4_K, 5},
                            {DType::kF16, 7},
                            {DType::kQ5_0, 3},
                            {DType::kQ8_0, 9}}) {
    ws.push_back(make_weights(type, rows, cols, seed++));
  }
  std::vector<WeightView> views;
  for (const Weights& w : ws) views.push_back(w.view());
  std::vector<const WeightView*> group;
  for (const WeightView& v : views) group.push_back(&v);
  ThreadPool pool(2);
  for (int64_t n : {1, 6, 130}) {
    const auto x = random_values(static_cast<size_t>(n * cols), seed++);
    std::vector<uint8_t> scratch(matmul_scratch_bytes(group, n));
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      SCOPED_TRACE(std::string(GetParam().name) + " n=" + std::to_string(n) +
                   (p != nullptr ? " threads=2" : ""));
      std::vector<std::vector<float>> ys(ws.size());
      std::vector<MatmulOut> products;
      for (size_t i = 0; i < ws.size(); ++i) {
        ys[i].assign(static_cast<size_t>(n * ws[i].rows), NAN);
        products.push_back({&views[i], ys[i].data()});
      }
      table.matmul_many(products, x.data(), n, {scratch.data(), scratch.size()}, p);
      for (size_t i = 0; i < ws.size(); ++i) {
        SCOPED_TRACE(dtype_name(ws[i].type));
        expect_within_bounds(ws[i], x, n, ys[i]);
        if (p != nullptr) continue;
        // One thread takes each matrix whole, as matmul() does: the same arithmetic.
        std::vector<float> alone(ys[i].size());
        std::vector<uint8_t> own(table.matmul_scratch_bytes(ws[i].type, cols, n));
        table.matmul(views[i], x.data(), n, alone.data(), {own.data(), own.size()}, nullptr);
        EXPECT_EQ(ys[i], alone);
      }
    }
  }
  // Q4_K, Q6_K, Q4_K and F16 need the scratch of one Q4_K and one Q6_K product: one byte less
  // is refused.
  const auto x = random_values(cols, seed);
  group.resize(4);
  std::vector<uint8_t> scratch(matmul_scratch_bytes(group, 1) - 1);
  EXPECT_EQ(scratch.size() + 1, table.matmul_scratch_bytes(DType::kQ4_K, cols, 1) +
                                    table.matmul_scratch_bytes(DType::kQ6_K, cols, 1));
  std::vector<std::vector<float>> ys(4);
  std::vector<MatmulOut> products;
  for (size_t i = 0; i < 4; ++i) {
    ys[i].resize(static_cast<size_t>(ws[i].rows));
    products.push_back({&views[i], ys[i].data()});
  }
  EXPECT_THROW(table.matmul_many(products, x.data(), 1, {scratch.data(), scratch.size()}, nullptr),
               Error);
  override_active_kernels(nullptr);
}

TEST_P(SimdTest, MatmulManyRefusesWeightsOfDifferentWidths) {
  const Weights a = make_weights(DType::kQ8_0, 4, 64, 1200);
  const Weights b = make_weights(DType::kQ8_0, 4, 96, 1201);
  const WeightView va = a.view(), vb = b.view();
  const auto x = random_values(96, 1202);
  std::vector<float> ya(4), yb(4);
  const MatmulOut pair[] = {{&va, ya.data()}, {&vb, yb.data()}};
  const std::span<const MatmulOut> products(pair);
  std::vector<uint8_t> scratch(1 << 16);
  EXPECT_THROW(GetParam().table().matmul_many(products, x.data(), 1,
                                              {scratch.data(), scratch.size()}, nullptr),
               Error);
  EXPECT_THROW(reference_kernels().matmul_many(products, x.data(), 1, {}, nullptr), Error);
}

TEST_P(SimdTest, OtherTypesFallBackToTheReference) {
  const Weights w = make_weights(DType::kQ5_0, 3, 64, 77);
  const auto x = random_values(2 * 64, 78);
  const KernelTable& table = GetParam().table();
  std::vector<uint8_t> scratch(table.matmul_scratch_bytes(DType::kQ5_0, 64, 2));
  std::vector<float> got(6), want(6);
  table.matmul(w.view(), x.data(), 2, got.data(), {scratch.data(), scratch.size()}, nullptr);
  ref::matmul(w.view(), x.data(), 2, want.data(), {}, nullptr);
  EXPECT_EQ(got, want);
}

TEST_P(SimdTest, RejectsATooSmallScratch) {
  const Weights w = make_weights(DType::kQ8_0, 2, 64, 79);
  const auto x = random_values(64, 80);
  const KernelTable& table = GetParam().table();
  std::vector<uint8_t> scratch(table.matmul_scratch_bytes(DType::kQ8_0, 64, 1) - 1);
  std::vector<float> y(2);
  EXPECT_THROW(
      table.matmul(w.view(), x.data(), 1, y.data(), {scratch.data(), scratch.size()}, nullptr),
      Error);
  EXPECT_THROW(table.matmul(w.view(), x.data(), 1, y.data(), {}, nullptr), Error);
}

TEST_P(SimdTest, TableNamesTheVariant) {
  EXPECT_STREQ(GetParam().table().name, GetParam().name);
  EXPECT_NE(GetParam().table().rms_norm, nullptr);
}

// The variant select_kernels() picks without SLIMLLM_CPU: the first this CPU runs, best first.
const char* best_variant() {
  for (const KernelVariant& v : kernel_variants()) {
    if (v.supported()) return v.name;
  }
  return "generic";
}

TEST(SimdSelect, ListsEveryVariantBestFirst) {
  std::vector<std::string> names;
  for (const KernelVariant& v : kernel_variants()) {
    names.push_back(v.name);
    if (v.supported()) {
      EXPECT_STREQ(v.table().name, v.name);
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"amx", "avx512", "avxvnni", "avx2", "dotprod", "neon"}));
}

TEST(SimdSelect, HonoursSlimllmCpu) {
  // select_kernels() reads the variable on every call; active_kernels() calls it once.
  const char* best = best_variant();
  setenv("SLIMLLM_CPU", "generic", 1);
  EXPECT_STREQ(select_kernels().name, "generic");
  // A variant this CPU runs is taken; one it cannot falls back to the best.
  for (const KernelVariant& v : kernel_variants()) {
    setenv("SLIMLLM_CPU", v.name, 1);
    EXPECT_STREQ(select_kernels().name, v.supported() ? v.name : best) << v.name;
  }
  setenv("SLIMLLM_CPU", "no-such-variant", 1);
  EXPECT_STREQ(select_kernels().name, best);
  unsetenv("SLIMLLM_CPU");
  EXPECT_STREQ(select_kernels().name, best);
}

#if defined(__aarch64__)
TEST(SimdSelect, EveryArmCoreRunsNeon) {
  EXPECT_TRUE(neon_kernels_supported());
  EXPECT_STRNE(select_kernels().name, "generic");
}
#endif

}  // namespace
}  // namespace slimllm
