// AVX2+FMA row-wise kernels: RMSNorm, SiLU·mul, GELU·mul, softmax and RoPE. Both x86 tables use
// them (they are bound by memory or by the trigonometry, not by vector width). Same contracts as
// the reference (kernels/ref), which they are tested against, and its thread split except for the
// gated activations (kGatedGrain).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "base/thread_pool.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/isa.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SLIMLLM_X86_VNNI 0
#define SLIMLLM_X86_WIDE 0
#define SLIMLLM_X86_NS avx2
#include "kernels/x86/impl/target_avx2_begin.inc"
namespace slimllm::x86::avx2 {
namespace {
#include "kernels/x86/impl/common.inc"

// e^x within about 2 ulp for x in [-87.3, 88.7]; 0 below (where e^x is denormal or 0), and
// inputs above are clamped. x = n·ln2 + r with |r| <= ln2/2, e^r by a degree-6 Taylor polynomial,
// 2^n put into the exponent bits.
__m256 exp8(__m256 x) {
  const __m256 in_range = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_GE_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.7f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln2 split in a part exact in float and the rest, so n·ln2 loses no bits.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-6f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 2^n for n in [-126, 128]: n = 128 (x near 88.7) is split as 2^(n-1) · 2.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i half_n = _mm256_srai_epi32(ni, 1);
  const __m256 s1 =
      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half_n, _mm256_set1_epi32(127)), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(
      _mm256_add_epi32(_mm256_sub_epi32(ni, half_n), _mm256_set1_epi32(127)), 23));
  return _mm256_and_ps(_mm256_mul_ps(_mm256_mul_ps(p, s1), s2), in_range);
}

// Values per thread of the gated activations (SiLU·mul, GELU·mul). Vectorized they cost a few
// cycles a value, not the reference's 16 multiply-adds: one decode token's feed-forward (6-11k
// values, under 10 us) runs on the calling thread, where waking the pool's worker cost more than
// it saved (gelu_mul of 6912 values: 8-11 us alone, 16-18 us split over 2 threads, on a busy
// 2-core machine). Prompts (tokens × n_ff values) still split.
constexpr int64_t kGatedGrain = 32768;

}  // namespace

void rms_norm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* out,
              ThreadPool* pool) {
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const float* xr = x + r * dim;
          float* yr = out + r * dim;
          // Four accumulators: no dependency chain on the adds, and a shorter summation.
          __m256 s[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                         _mm256_setzero_ps()};
          int64_t i = 0;
          for (; i + 32 <= dim; i += 32) {
            for (int k = 0; k < 4; ++k) {
              const __m256 v = _mm256_loadu_ps(xr + i + 8 * k);
              s[k] = _mm256_fmadd_ps(v, v, s[k]);
            }
          }
          double sum = hsum(_mm256_add_ps(_mm256_add_ps(s[0], s[1]), _mm256_add_ps(s[2], s[3])));
          for (; i < dim; ++i) sum += static_cast<double>(xr[i]) * xr[i];
          const float scale =
              static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(dim) + eps));
          const __m256 vs = _mm256_set1_ps(scale);
          i = 0;
          for (; i + 8 <= dim; i += 8) {
            const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(xr + i), vs);
            _mm256_storeu_ps(yr + i, _mm256_mul_ps(v, _mm256_loadu_ps(weight + i)));
          }
          for (; i < dim; ++i) yr[i] = xr[i] * scale * weight[i];
        }
      },
      ref::parallel_grain(2 * dim));
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool) {
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        int64_t i = begin;
        for (; i + 8 <= end; i += 8) {
          const __m256 g = _mm256_loadu_ps(gate + i);
          const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
          const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
          _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
        }
        for (; i < end; ++i) {
          const float g = gate[i];
          out[i] = g / (1.0f + std::exp(-g)) * up[i];
        }
      },
      kGatedGrain);
}

void gelu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool) {
  constexpr float kTwoSqrt2OverPi = 2 * 0.7978845608028654f;
  parallel_for(
      pool, n,
      [&](int64_t begin, int64_t end) {
        const __m256 c = _mm256_set1_ps(kTwoSqrt2OverPi);
        const __m256 cubic = _mm256_set1_ps(0.044715f);
        const __m256 one = _mm256_set1_ps(1.0f);
        int64_t i = begin;
        for (; i + 8 <= end; i += 8) {
          const __m256 g = _mm256_loadu_ps(gate + i);
          // -u2 = -c·(g + 0.044715·g³) = -c·g·(1 + 0.044715·g²)
          const __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(cubic, g), _mm256_mul_ps(g, g), g);
          const __m256 e = exp8(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), c), inner));
          const __m256 gelu = _mm256_div_ps(g, _mm256_add_ps(one, e));
          _mm256_storeu_ps(out + i, _mm256_mul_ps(gelu, _mm256_loadu_ps(up + i)));
        }
        for (; i < end; ++i) {
          const float g = gate[i];
          const float u2 = kTwoSqrt2OverPi * (g + 0.044715f * g * g * g);
          out[i] = g / (1.0f + std::exp(-u2)) * up[i];
        }
      },
      kGatedGrain);
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + i));
  float max = -std::numeric_limits<float>::infinity();
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vmax);
  for (float v : lanes) max = std::max(max, v);
  for (; i < n; ++i) max = std::max(max, x[i]);
  const __m256 m = _mm256_set1_ps(max);
  __m256 vsum = _mm256_setzero_ps();
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    _mm256_storeu_ps(x + i, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  double sum = hsum(vsum);
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  const __m256 vinv = _mm256_set1_ps(inv);
  i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
  for (; i < n; ++i) x[i] *= inv;
}

void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, const int32_t* positions,
          const RopeParams& p, ThreadPool* pool) {
  const int64_t half = p.n_rot / 2;
  if (half > ref::kMaxHeadDim / 2)
    return ref::rope(x, n_tokens, n_heads, head_dim, positions, p, pool);
  parallel_for(
      pool, n_tokens * n_heads,
      [&](int64_t begin, int64_t end) {
        // The angles depend on the token only: computed once per token (the same expressions
        // as the reference, so the same values), not once per head.
        alignas(32) float cos_t[ref::kMaxHeadDim / 2];
        alignas(32) float sin_t[ref::kMaxHeadDim / 2];
        // Interleaved pairs: cos and ±sin per value, so that out = x·cc + swap_pairs(x)·ss.
        alignas(32) float cc[ref::kMaxHeadDim];
        alignas(32) float ss[ref::kMaxHeadDim];
        int64_t token = -1;
        for (int64_t th = begin; th < end; ++th) {
          if (th / n_heads != token) {
            token = th / n_heads;
            const double pos = positions[token];
            for (int64_t i = 0; i < half; ++i) {
              double theta = pos * p.freq_scale *
                             std::pow(static_cast<double>(p.freq_base), -2.0 * i / p.n_rot);
              if (p.freq_factors != nullptr) theta /= p.freq_factors[i];
              cos_t[i] = static_cast<float>(std::cos(theta));
              sin_t[i] = static_cast<float>(std::sin(theta));
              cc[2 * i] = cc[2 * i + 1] = cos_t[i];
              ss[2 * i] = -sin_t[i];
              ss[2 * i + 1] = sin_t[i];
            }
          }
          float* head = x + th * head_dim;
          int64_t i = 0;
          if (p.neox) {
            // Pairs (i, i + half): two contiguous runs.
            for (; i + 8 <= half; i += 8) {
              const __m256 c = _mm256_load_ps(cos_t + i);
              const __m256 s = _mm256_load_ps(sin_t + i);
              const __m256 x0 = _mm256_loadu_ps(head + i);
              const __m256 x1 = _mm256_loadu_ps(head + i + half);
              _mm256_storeu_ps(head + i, _mm256_fmsub_ps(x0, c, _mm256_mul_ps(x1, s)));
              _mm256_storeu_ps(head + i + half, _mm256_fmadd_ps(x0, s, _mm256_mul_ps(x1, c)));
            }
          } else {
            // Four pairs (2i, 2i + 1) per vector; i counts pairs.
            for (; i + 4 <= half; i += 4) {
              const __m256 v = _mm256_loadu_ps(head + 2 * i);
              const __m256 swapped = _mm256_permute_ps(v, 0xB1);
              const __m256 rot = _mm256_mul_ps(swapped, _mm256_load_ps(ss + 2 * i));
              _mm256_storeu_ps(head + 2 * i, _mm256_fmadd_ps(v, _mm256_load_ps(cc + 2 * i), rot));
            }
          }
          for (; i < half; ++i) {
            const int64_t a = p.neox ? i : 2 * i;
            const int64_t b = p.neox ? i + half : 2 * i + 1;
            const float x0 = head[a];
            const float x1 = head[b];
            head[a] = x0 * cos_t[i] - x1 * sin_t[i];
            head[b] = x0 * sin_t[i] + x1 * cos_t[i];
          }
        }
      },
      ref::parallel_grain(16 * half));
}

}  // namespace slimllm::x86::avx2
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
