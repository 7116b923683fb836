// AMX prompt products for Q4_K and Q5_K weights: each 32-value sub-block's integer products on
// the tile unit (TDPBUSD: the weights' unsigned values by the activations' signed ones), its
// scale and min on AVX-512. Q6_K (a scale per 16 values) and single tokens take the avx512
// path; so do the activations, whose groups (kquant_groups.inc) are already the tile layout.
//
// Per super-block b of a row r and token t, with d, dmin the row's factors, sc_j, m_j its
// sub-block scales and mins, da the token's scale and s_j the sums of its 32 values of
// sub-block j (from the bsums):
//   y += da · Σ_j (d·sc_j · C_j − dmin·m_j · s_j),   C_j = Σ over sub-block j of q·a (exact).
// A slab of 32 rows is decoded once per super-block (values as bytes, kquant_groups.inc's
// KRowBlock) and every tile of 32 tokens passes over it: per sub-block two A tiles (16 rows ×
// 32 values each, from the decoded rows), two B tiles (a group's 8 rows of 64 bytes), four C
// tiles, stored and folded into f32 sums with two FMAs per 16 sums (amx_q32.cpp: the sums of a
// sub-block are folded after the next one's products have been handed to the tile unit).
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

constexpr int kSubBlocks = 8;  // of 32 values per super-block

// y[t * ldy + r] for the 32 rows at `w` and n <= kMaxTokens tokens at `act`.
template <class Q>
void slab_kquant_amx(const uint8_t* w, int64_t wstride, const uint8_t* act, int64_t gstride,
                     int64_t nb, int64_t n, float* y, int64_t ldy) {
  using Block = typename Q::Block;
  const int tiles = static_cast<int>((n + kTileTokens - 1) / kTileTokens);
  const int64_t groups = (n + kKLanes - 1) / kKLanes;
  __m512 acc[kMaxTiles][kTileRows][2];
  for (int t = 0; t < tiles; ++t)
    for (auto& row : acc[t])
      for (auto& v : row) v = _mm512_setzero_ps();
  KRowBlock rb[kTileRows];
  alignas(64) float scd[kSubBlocks][kTileRows];  // d · sc_j
  alignas(64) float mdm[kSubBlocks][kTileRows];  // −dmin · m_j
  alignas(64) int32_t c[2][2][2][16][16];        // [sub-block parity][row half][token group]
  __m512 sum[kTileRows][2];                      // this super-block's, per token tile

  for (int64_t b = 0; b < nb; ++b) {
    for (int r = 0; r < kTileRows; ++r) {
      decode_row_block<Q>(reinterpret_cast<const Block*>(w + r * wstride)[b], rb[r]);
      for (int j = 0; j < kSubBlocks; ++j) {
        // sc holds the scale of each 16 values twice (int16 pairs); a sub-block's two 16s share
        // it, as the two halves of msc[j] share its min.
        scd[j][r] = rb[r].d * static_cast<float>(static_cast<int16_t>(rb[r].sc[2 * j]));
        mdm[j][r] = -rb[r].dm * static_cast<float>(static_cast<int16_t>(rb[r].msc[j]));
      }
    }
    for (int t = 0; t < tiles; ++t) {
      const uint8_t* ab = act + 2 * t * gstride + b * kKGroupBlockBytes;
      const int count = static_cast<int>(std::min<int64_t>(2, groups - 2 * t));
      // Each token's sums of 32 values per sub-block, as f32: pairs of the bsums of 16.
      __m512 s32[2][kSubBlocks];
      for (int g = 0; g < count; ++g) {
        for (int j = 0; j < kSubBlocks; ++j) {
          const __m512i pairs = _mm512_loadu_si512(ab + g * gstride + kKGroupSums + j * 64);
          s32[g][j] = _mm512_cvtepi32_ps(_mm512_madd_epi16(pairs, _mm512_set1_epi16(1)));
        }
      }
      for (auto& row : sum)
        for (auto& v : row) v = _mm512_setzero_ps();
      const auto products = [&](int j) {
        int32_t(*cb)[2][16][16] = c[j & 1];
        _tile_zero(SLIMLLM_TILE_C00);
        _tile_zero(SLIMLLM_TILE_C10);
        _tile_loadd(SLIMLLM_TILE_A0, rb[0].q + 32 * j, sizeof(KRowBlock));
        _tile_loadd(SLIMLLM_TILE_A1, rb[16].q + 32 * j, sizeof(KRowBlock));
        _tile_loadd(SLIMLLM_TILE_B0, ab + j * 512, 64);
        _tile_dpbusd(SLIMLLM_TILE_C00, SLIMLLM_TILE_A0, SLIMLLM_TILE_B0);
        _tile_dpbusd(SLIMLLM_TILE_C10, SLIMLLM_TILE_A1, SLIMLLM_TILE_B0);
        if (count == 2) {
          _tile_zero(SLIMLLM_TILE_C01);
          _tile_zero(SLIMLLM_TILE_C11);
          _tile_loadd(SLIMLLM_TILE_B1, ab + gstride + j * 512, 64);
          _tile_dpbusd(SLIMLLM_TILE_C01, SLIMLLM_TILE_A0, SLIMLLM_TILE_B1);
          _tile_dpbusd(SLIMLLM_TILE_C11, SLIMLLM_TILE_A1, SLIMLLM_TILE_B1);
        }
        _tile_stored(SLIMLLM_TILE_C00, cb[0][0], 64);
        _tile_stored(SLIMLLM_TILE_C10, cb[1][0], 64);
        if (count == 2) {
          _tile_stored(SLIMLLM_TILE_C01, cb[0][1], 64);
          _tile_stored(SLIMLLM_TILE_C11, cb[1][1], 64);
        }
      };
      const auto fold = [&](int j) {
        const int32_t(*cb)[2][16][16] = c[j & 1];
        for (int g = 0; g < count; ++g) {
          for (int h = 0; h < 2; ++h) {
            for (int i = 0; i < 16; ++i) {
              const int r = 16 * h + i;
              const __m512 p = _mm512_cvtepi32_ps(_mm512_load_si512(cb[h][g][i]));
              __m512 v = _mm512_fmadd_ps(p, _mm512_set1_ps(scd[j][r]), sum[r][g]);
              sum[r][g] = _mm512_fmadd_ps(s32[g][j], _mm512_set1_ps(mdm[j][r]), v);
            }
          }
        }
      };
      products(0);
      for (int j = 1; j < kSubBlocks; ++j) {
        products(j);
        fold(j - 1);
      }
      fold(kSubBlocks - 1);
      for (int g = 0; g < count; ++g) {
        const __m512 da = _mm512_loadu_ps(ab + g * gstride + kKGroupScales);
        for (int r = 0; r < kTileRows; ++r) acc[t][r][g] = _mm512_fmadd_ps(sum[r][g], da, acc[t][r][g]);
      }
    }
  }
  for (int t = 0; t < tiles; ++t) {
    store_tile<2>(acc[t], std::min<int64_t>(kTileTokens, n - kTileTokens * t),
                  y + kTileTokens * t * ldy, ldy);
  }
}

template <class Q>
int64_t gemm_kquant_tiles(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act,
                          int64_t n, float* y) {
  const int64_t nb = w.cols / 256;
  const int64_t wstride = static_cast<int64_t>(row_bytes(w.type, w.cols));
  const int64_t gstride = kquant_group_stride(w.cols);
  configure_tiles();
  int64_t r = r0;
  for (; r + kTileRows <= r1; r += kTileRows) {
    slab_kquant_amx<Q>(w.row(r), wstride, act, gstride, nb, n, y + r, w.rows);
  }
  _tile_release();
  return r;
}

}  // namespace

void gemm_kquant(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act, int64_t n,
                 float* y) {
  if (n == 1 || n > kMaxTokens || w.type == DType::kQ6_K) {
    return avx512::gemm_kquant(w, r0, r1, act, n, y);
  }
  const int64_t done = w.type == DType::kQ4_K ? gemm_kquant_tiles<KQ4>(w, r0, r1, act, n, y)
                                              : gemm_kquant_tiles<KQ5>(w, r0, r1, act, n, y);
  if (done < r1) avx512::gemm_kquant(w, done, r1, act, n, y);
}

}  // namespace slimllm::x86::amx
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
