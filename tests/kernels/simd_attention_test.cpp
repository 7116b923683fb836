// The x86 SIMD attention against the reference (which accumulates in double with std::exp).
// Bound: the output is a convex combination of V rows; f32 accumulation and the polynomial exp
// (relative error ~2e-7 per weight) keep |out − ref| ≤ 1e-5·max|v| + 1e-5·|ref| for contexts of a
// few hundred cells. A wrong weight, head or cell breaks it by orders of magnitude.
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
#include "tensor/half.h"

namespace slimllm {
namespace {

struct Variant {
  const char* name;
  bool (*supported)();
  const KernelTable& (*table)();
};

const Variant kVariants[] = {{"avx2", avx2_kernels_supported, avx2_kernels},
                             {"avxvnni", avxvnni_kernels_supported, avxvnni_kernels},
                             {"avx512", avx512_kernels_supported, avx512_kernels}};

struct Case {
  int64_t n_tokens, n_head, n_head_kv, head_dim, cells;
  int32_t window = 0;  // sliding window (0: none)
  float softcap = 0;   // attention-logit soft cap (0: none)
  float q_gain = 1;    // query size: large for logits far into the soft cap
};

void check_attention(const Variant& v, const Case& c, ThreadPool* pool, uint32_t seed) {
  SCOPED_TRACE(std::string(v.name) + " tokens=" + std::to_string(c.n_tokens) +
               " heads=" + std::to_string(c.n_head) + "/" + std::to_string(c.n_head_kv) +
               " dim=" + std::to_string(c.head_dim) + " cells=" + std::to_string(c.cells) +
               " window=" + std::to_string(c.window) + " softcap=" + std::to_string(c.softcap));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t stride = c.n_head_kv * c.head_dim + 8;  // padding: cells need not be packed
  std::vector<uint16_t> k(c.cells * stride), vv(c.cells * stride);
  float vmax = 0;
  for (size_t i = 0; i < k.size(); ++i) {
    k[i] = f32_to_f16(normal(rng) * 2.0f);  // spread scores so the running max moves
    const float x = normal(rng);
    vv[i] = f32_to_f16(x);
    vmax = std::max(vmax, std::fabs(f16_to_f32(vv[i])));
  }
  std::vector<float> q(c.n_tokens * c.n_head * c.head_dim);
  for (float& x : q) x = normal(rng) * c.q_gain;
  std::vector<const uint16_t*> kc(c.n_tokens), vc(c.n_tokens);
  std::vector<int32_t> visible(c.n_tokens);
  for (int64_t t = 0; t < c.n_tokens; ++t) {
    // Causal-like: token t sees a prefix; the last token sees all cells; one may see none.
    visible[t] = static_cast<int32_t>(c.cells - (c.n_tokens - 1 - t) * 3);
    if (visible[t] < 0) visible[t] = 0;
    kc[t] = k.data();
    vc[t] = vv.data();
  }
  std::vector<float> got(q.size(), NAN), want(q.size(), NAN);
  AttentionArgs args;
  args.q = q.data();
  args.k_cells = kc.data();
  args.v_cells = vc.data();
  args.n_visible = visible.data();
  args.n_tokens = c.n_tokens;
  args.n_head = c.n_head;
  args.n_head_kv = c.n_head_kv;
  args.head_dim = c.head_dim;
  args.cell_stride = stride;
  args.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  args.window = c.window;
  args.softcap = c.softcap;
  args.out = want.data();
  ref::attention(args, nullptr);
  args.out = got.data();
  v.table().attention(args, pool);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-5 * vmax + 1e-5 * std::fabs(want[i])) << i;
  }
}

class SimdAttentionTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << GetParam().name << " not supported by this CPU";
  }
};

INSTANTIATE_TEST_SUITE_P(X86, SimdAttentionTest, ::testing::ValuesIn(kVariants),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_P(SimdAttentionTest, MatchesTheReference) {
  const Case kCases[] = {
      {1, 1, 1, 8, 1},
      {3, 4, 1, 16, 5},
      {5, 8, 2, 64, 33},
      {2, 32, 8, 64, 70},
      {4, 16, 2, 128, 40},
      {3, 6, 3, 24, 100},
      {2, 3, 3, 64, 31},
      {1, 12, 4, 40, 257},
      {2, 4, 4, 12, 9} /* head_dim not a multiple of 8: the reference path */,
  };
  uint32_t seed = 1;
  for (const Case& c : kCases) check_attention(GetParam(), c, nullptr, seed++);
  ThreadPool pool(2);
  check_attention(GetParam(), {7, 8, 2, 64, 50}, &pool, seed++);
}

TEST_P(SimdAttentionTest, SlidingWindowAndSoftCapMatchTheReference) {
  // Windows shorter than most tokens' visible cells (positions past the window), a window of 1,
  // one longer than the context; soft caps with queries large enough that scores reach ±100s.
  const Case kCases[] = {
      {4, 4, 2, 64, 70, 16},
      {3, 8, 1, 128, 200, 33},
      {2, 4, 4, 64, 40, 1},
      {2, 4, 2, 64, 40, 500},
      {3, 4, 2, 64, 90, 0, 50.0f, 20.0f},
      {3, 8, 4, 256, 100, 24, 50.0f, 20.0f},
      {2, 4, 4, 12, 30, 7, 50.0f, 20.0f} /* the reference path */,
  };
  uint32_t seed = 100;
  for (const Case& c : kCases) check_attention(GetParam(), c, nullptr, seed++);
}

}  // namespace
}  // namespace slimllm
