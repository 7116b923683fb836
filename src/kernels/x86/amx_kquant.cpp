// AMX prompt products for Q4_K, Q5_K and Q6_K weights: the integer products of whole
// 256-value super-blocks on the tile unit, the float factors on AVX-512. Up to 32 tokens take the
// avx512 path; so do the activations, whose groups (kquant_groups.inc) are already the tile
// layout (B: 64 values of 16 tokens are 16 rows of 64 bytes).
//
// Per super-block of a row and a token, with d, dmin the row's factors, sc its scale of each 16
// values, m_j its min of sub-block j, da the token's scale and s_j its sums of 32 values:
//   y += da · (d · Σ x·a − dmin · Σ_j m_j·s_j),   x = sc·q (Q6_K: sc·(q − 32), and no mins).
// x is pre-scaled when the slab's rows are decoded (make_planes) and split into byte planes,
// so Σ x·a comes from two exact byte products over all 256 values, and the float work is once
// per super-block; the mins take four vpdpwssd per 16 sums.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "base/error.h"
#include "base/thread_pool.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/isa.h"
#include "tensor/half.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SLIMLLM_X86_VNNI 1
#define SLIMLLM_X86_WIDE 1
#define SLIMLLM_X86_AMX 1
#define SLIMLLM_X86_NS amx
#include "kernels/x86/impl/target_amx_begin.inc"
namespace slimllm::x86::amx {
namespace {
#include "kernels/x86/impl/common.inc"
#include "kernels/x86/impl/kquant_blocks_512.inc"
#include "kernels/x86/impl/kquant_group_layout.inc"
#include "kernels/x86/impl/amx_tiles.inc"

static_assert(kKLanes == 16, "the tiles take groups of 16 tokens (the AVX-512 layout)");

// All eight tiles are 16 rows × 64 bytes here: C_lo(g), C_hi(g) for token group g, the low and
// high byte planes of 16 rows' pre-scaled values, and B(g), 64 values of a group.
#define SLIMLLM_KTILE_LO0 0
#define SLIMLLM_KTILE_LO1 1
#define SLIMLLM_KTILE_HI0 2
#define SLIMLLM_KTILE_HI1 3
#define SLIMLLM_KTILE_ALO 4
#define SLIMLLM_KTILE_AHI 5
#define SLIMLLM_KTILE_B0 6
#define SLIMLLM_KTILE_B1 7

constexpr TileConfig kquant_tile_config() {
  TileConfig c;
  for (int t = 0; t < 8; ++t) {
    c.colsb[t] = 64;
    c.rows[t] = 16;
  }
  return c;
}
constexpr TileConfig kKQuantTileConfig = kquant_tile_config();  // in memory (amx_tiles.inc)

constexpr int kSlabRows = 16;
// Fewer tokens than this take the avx512 tiles: a slab's decode into planes then serves too few
// token tiles. Qwen-3B shapes, one thread, GOPS avx512 / amx: Q4_K n=16 190 / 162, n=32
// 232 / 208, n=48 254 / 274, n=64 240 / 316; Q6_K n=32 196 / 212, n=48 231 / 294.
constexpr int64_t kMinTokens = 32;

// One row's super-block, its values pre-scaled: x = sc·(q − offset) for the scale of each 16
// values (Q6_K: offset 32, so its whole formula is d·Σ x·a; Q4_K/Q5_K: offset 0, their mins
// apart). |x| < 2^14, so x = lo + 256·hi with lo the unsigned low byte and hi the signed high
// byte, and Σ x·a = Σ lo·a + 256·Σ hi·a: two byte products that add up over the whole
// super-block in int32 (|Σ x·a| ≤ 256·8001·127 < 2^31).
struct KPlanes {
  alignas(64) uint8_t lo[256];
  alignas(64) int8_t hi[256];
};

template <class Q>
constexpr bool kHasMins = !std::is_same_v<Q, KQ6>;

// Row r's planes and factors from its decoded block; mins[q] = m_{2q} | m_{2q+1} << 16.
template <class Q>
inline void make_planes(const KRowBlock& rb, KPlanes& out, int32_t* mins) {
  const __m512i offset = _mm512_set1_epi16(kHasMins<Q> ? 0 : 32);
  for (int p = 0; p < 8; ++p) {  // 32 values: two 16s with their scales
    const __m512i q =
        _mm512_cvtepu8_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(rb.q + 32 * p)));
    // sc holds each 16's scale twice (int16 pairs): sc[2p] for values 0..15, sc[2p + 1] after.
    const __m512i sc = _mm512_inserti64x4(_mm512_set1_epi32(rb.sc[2 * p]),
                                          _mm256_set1_epi32(rb.sc[2 * p + 1]), 1);
    const __m512i x = _mm512_mullo_epi16(_mm512_sub_epi16(q, offset), sc);
    _mm256_store_si256(reinterpret_cast<__m256i*>(out.lo + 32 * p), _mm512_cvtepi16_epi8(x));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out.hi + 32 * p),
                       _mm512_cvtepi16_epi8(_mm512_srai_epi16(x, 8)));
  }
  if constexpr (kHasMins<Q>) {
    for (int q = 0; q < 4; ++q) {
      const uint32_t even = static_cast<uint32_t>(rb.msc[2 * q]) & 0xffffu;
      mins[q] = static_cast<int32_t>(even | static_cast<uint32_t>(rb.msc[2 * q + 1]) << 16);
    }
  }
}

// y[t * ldy + r] for the 16 rows at `w` and n <= kMaxTokens tokens at `act`.
//
// Per super-block the 16 rows are decoded into planes once, and every tile of 32 tokens takes
// four steps of 64 values: two A tiles (the planes), one or two B tiles, two or four products
// into the C tiles, which add up over the super-block. Their sums are then stored and folded
// into f32 (with the mins, the row's factors and the token's scale) one token tile later, once
// the tile unit has the next tile's products to work on.
template <class Q>
void slab_kquant_amx(const uint8_t* w, int64_t wstride, const uint8_t* act, int64_t gstride,
                     int64_t nb, int64_t n, float* y, int64_t ldy) {
  using Block = typename Q::Block;
  const int tiles = static_cast<int>((n + kTileTokens - 1) / kTileTokens);
  const int64_t groups = (n + kKLanes - 1) / kKLanes;
  __m512 acc[kMaxTiles][kSlabRows][2];
  for (int t = 0; t < tiles; ++t)
    for (auto& row : acc[t])
      for (auto& v : row) v = _mm512_setzero_ps();
  KPlanes planes[kSlabRows];
  alignas(64) float d[kSlabRows], dm[kSlabRows];
  alignas(64) int32_t mins[kSlabRows][4];
  alignas(64) int32_t c[2][2][2][16][16];  // [tile parity][lo, hi][token group]
  const auto groups_of = [&](int t) {
    return static_cast<int>(std::min<int64_t>(2, groups - 2 * t));
  };

  const auto products = [&](int64_t b, int t) {
    const uint8_t* ab = act + 2 * t * gstride + b * kKGroupBlockBytes;
    const bool two = groups_of(t) == 2;
    int32_t(*cb)[2][16][16] = c[t & 1];
    _tile_zero(SLIMLLM_KTILE_LO0);
    _tile_zero(SLIMLLM_KTILE_HI0);
    if (two) {
      _tile_zero(SLIMLLM_KTILE_LO1);
      _tile_zero(SLIMLLM_KTILE_HI1);
    }
    for (int step = 0; step < 4; ++step) {
      _tile_loadd(SLIMLLM_KTILE_ALO, planes[0].lo + 64 * step, sizeof(KPlanes));
      _tile_loadd(SLIMLLM_KTILE_AHI, planes[0].hi + 64 * step, sizeof(KPlanes));
      _tile_loadd(SLIMLLM_KTILE_B0, ab + step * 1024, 64);
      _tile_dpbusd(SLIMLLM_KTILE_LO0, SLIMLLM_KTILE_ALO, SLIMLLM_KTILE_B0);
      _tile_dpbssd(SLIMLLM_KTILE_HI0, SLIMLLM_KTILE_AHI, SLIMLLM_KTILE_B0);
      if (two) {
        _tile_loadd(SLIMLLM_KTILE_B1, ab + gstride + step * 1024, 64);
        _tile_dpbusd(SLIMLLM_KTILE_LO1, SLIMLLM_KTILE_ALO, SLIMLLM_KTILE_B1);
        _tile_dpbssd(SLIMLLM_KTILE_HI1, SLIMLLM_KTILE_AHI, SLIMLLM_KTILE_B1);
      }
    }
    _tile_stored(SLIMLLM_KTILE_LO0, cb[0][0], 64);
    _tile_stored(SLIMLLM_KTILE_HI0, cb[1][0], 64);
    if (two) {
      _tile_stored(SLIMLLM_KTILE_LO1, cb[0][1], 64);
      _tile_stored(SLIMLLM_KTILE_HI1, cb[1][1], 64);
    }
  };
  const auto fold = [&](int64_t b, int t) {
    const uint8_t* ab = act + 2 * t * gstride + b * kKGroupBlockBytes;
    const int32_t(*cb)[2][16][16] = c[t & 1];
    for (int g = 0; g < groups_of(t); ++g) {
      const uint8_t* ag = ab + g * gstride;
      const __m512 da = _mm512_loadu_ps(ag + kKGroupScales);
      // Each token's sums of 32 values, sub-blocks 2q and 2q + 1 as int16 pairs.
      __m512i sums[4];
      if constexpr (kHasMins<Q>) {
        const __m512i ones = _mm512_set1_epi16(1);
        for (int q = 0; q < 4; ++q) {
          const __m512i even = _mm512_madd_epi16(
              _mm512_loadu_si512(ag + kKGroupSums + 2 * q * 64), ones);
          const __m512i odd = _mm512_madd_epi16(
              _mm512_loadu_si512(ag + kKGroupSums + (2 * q + 1) * 64), ones);
          sums[q] = _mm512_or_si512(_mm512_and_si512(even, _mm512_set1_epi32(0xffff)),
                                    _mm512_slli_epi32(odd, 16));
        }
      }
      for (int i = 0; i < kSlabRows; ++i) {
        const __m512i lo = _mm512_load_si512(cb[0][g][i]);
        const __m512i hi = _mm512_load_si512(cb[1][g][i]);
        __m512 part = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(lo, _mm512_slli_epi32(hi, 8))),
                                    _mm512_set1_ps(d[i]));
        if constexpr (kHasMins<Q>) {
          __m512i m = _mm512_setzero_si512();
          for (int q = 0; q < 4; ++q) m = _mm512_dpwssd_epi32(m, _mm512_set1_epi32(mins[i][q]), sums[q]);
          part = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(m), _mm512_set1_ps(dm[i]), part);
        }
        acc[t][i][g] = _mm512_fmadd_ps(part, da, acc[t][i][g]);
      }
    }
  };

  for (int64_t b = 0; b < nb; ++b) {
    for (int r = 0; r < kSlabRows; ++r) {
      KRowBlock rb;
      decode_row_block<Q>(reinterpret_cast<const Block*>(w + r * wstride)[b], rb);
      make_planes<Q>(rb, planes[r], mins[r]);
      d[r] = rb.d;
      dm[r] = rb.dm;
    }
    products(b, 0);
    for (int t = 1; t < tiles; ++t) {
      products(b, t);
      fold(b, t - 1);
    }
    fold(b, tiles - 1);
  }

  for (int t = 0; t < tiles; ++t) {
    store_tile<kSlabRows, 2>(acc[t], std::min<int64_t>(kTileTokens, n - kTileTokens * t),
                             y + kTileTokens * t * ldy, ldy);
  }
}

template <class Q>
int64_t gemm_kquant_tiles(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act,
                          int64_t n, float* y) {
  const int64_t nb = w.cols / 256;
  const int64_t wstride = static_cast<int64_t>(row_bytes(w.type, w.cols));
  const int64_t gstride = kquant_group_stride(w.cols);
  _tile_loadconfig(&kKQuantTileConfig);
  int64_t r = r0;
  for (; r + kSlabRows <= r1; r += kSlabRows) {
    slab_kquant_amx<Q>(w.row(r), wstride, act, gstride, nb, n, y + r, w.rows);
  }
  _tile_release();
  return r;
}

}  // namespace

void gemm_kquant(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act, int64_t n,
                 float* y) {
  if (n <= kMinTokens || n > kMaxTokens) return avx512::gemm_kquant(w, r0, r1, act, n, y);
  int64_t done;
  switch (w.type) {
    case DType::kQ4_K:
      done = gemm_kquant_tiles<KQ4>(w, r0, r1, act, n, y);
      break;
    case DType::kQ5_K:
      done = gemm_kquant_tiles<KQ5>(w, r0, r1, act, n, y);
      break;
    default:
      done = gemm_kquant_tiles<KQ6>(w, r0, r1, act, n, y);
      break;
  }
  if (done < r1) avx512::gemm_kquant(w, done, r1, act, n, y);
}

}  // namespace slimllm::x86::amx
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
