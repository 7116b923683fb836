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

// A ring (AttentionArgs::ring): position p in cell p % ring. Attention over a ring holding the
// last `ring` positions equals attention over the whole context, bit for bit (same cells, same
// order), in the reference and the SIMD kernel: windows that wrap, start at the ring's first cell
// or fill it exactly.
TEST_P(SimdAttentionTest, ARingGivesWhatTheWholeContextGives) {
  struct RingCase {
    int64_t n_tokens, n_head, n_head_kv, head_dim, cells;
    int32_t window, ring;
  };
  const RingCase kCases[] = {
      {3, 4, 2, 64, 100, 16, 23}, {1, 8, 1, 128, 70, 33, 33}, {4, 4, 4, 64, 45, 8, 17},
      {2, 4, 2, 64, 64, 40, 48},  {2, 4, 4, 12, 30, 7, 10} /* the reference path */,
  };
  uint32_t seed = 300;
  for (const RingCase& c : kCases) {
    SCOPED_TRACE("cells=" + std::to_string(c.cells) + " window=" + std::to_string(c.window) +
                 " ring=" + std::to_string(c.ring));
    std::mt19937 rng(seed++);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t stride = c.n_head_kv * c.head_dim;
    std::vector<uint16_t> k(c.cells * stride), v(c.cells * stride);
    for (size_t i = 0; i < k.size(); ++i) {
      k[i] = f32_to_f16(normal(rng) * 2.0f);
      v[i] = f32_to_f16(normal(rng));
    }
    std::vector<uint16_t> rk(c.ring * stride), rv(c.ring * stride);
    for (int64_t p = 0; p < c.cells; ++p) {  // written in order: the ring keeps the last ones
      std::copy_n(k.data() + p * stride, stride, rk.data() + (p % c.ring) * stride);
      std::copy_n(v.data() + p * stride, stride, rv.data() + (p % c.ring) * stride);
    }
    std::vector<float> q(c.n_tokens * c.n_head * c.head_dim);
    for (float& x : q) x = normal(rng);
    std::vector<int32_t> visible(c.n_tokens);
    for (int64_t t = 0; t < c.n_tokens; ++t) visible[t] = static_cast<int32_t>(c.cells - (c.n_tokens - 1 - t));
    std::vector<const uint16_t*> kc(c.n_tokens, k.data()), vc(c.n_tokens, v.data());
    std::vector<const uint16_t*> rkc(c.n_tokens, rk.data()), rvc(c.n_tokens, rv.data());
    AttentionArgs a;
    a.q = q.data();
    a.n_visible = visible.data();
    a.n_tokens = c.n_tokens;
    a.n_head = c.n_head;
    a.n_head_kv = c.n_head_kv;
    a.head_dim = c.head_dim;
    a.cell_stride = stride;
    a.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    a.window = c.window;
    for (const bool simd : {false, true}) {
      std::vector<float> whole(q.size(), NAN), ringed(q.size(), NAN);
      a.k_cells = kc.data();
      a.v_cells = vc.data();
      a.ring = 0;
      a.out = whole.data();
      simd ? GetParam().table().attention(a, nullptr) : ref::attention(a, nullptr);
      a.k_cells = rkc.data();
      a.v_cells = rvc.data();
      a.ring = c.ring;
      a.out = ringed.data();
      simd ? GetParam().table().attention(a, nullptr) : ref::attention(a, nullptr);
      EXPECT_EQ(ringed, whole) << (simd ? "simd" : "reference");
    }
  }
}

}  // namespace
}  // namespace slimllm
