// AMX prompt products for Q8_0 and Q4_0 weights: the integer block products on the tile unit
// (TDPBSSD), the block scales on AVX-512. Everything else of the amx variant is the avx512
// variant's (amx_matmul.cpp forwards to it); so are the activations, which are already in the
// tile unit's layout.
//
// One TDPBSSD multiplies a tile A of 16 rows × 64 signed bytes by a tile B of 16 rows × 64 signed
// bytes read as 64 rows × 16 columns in groups of 4 (row k of B holds the values 4k..4k+3 of each
// column), adding into 16 × 16 int32 sums. Here K is one 32-value block (A and B half as deep),
// since every block has its own scales:
//   A = 16 weight rows' values of block b, loaded straight from the mapped Q8_0 rows (the 32
//       bytes after each block's scale, a row stride apart), or unpacked to the stack for Q4_0;
//   B = the block of one group of 16 tokens as q32_groups.inc lays it out: 8 rows of 64 bytes,
//       row k holding the values 4k..4k+3 of every token, which is B's layout exactly;
//   C = Σ over the block of w·a for 16 rows × 16 tokens, exact.
// A tile of the output is 32 rows × 32 tokens (two A, two B, four C: the eight tile
// registers). After each block the four C are stored and AVX-512 adds C · dw · da into f32
// sums. That float part (a conversion, a multiply and an FMA per 16 sums, and the stores and
// loads of C) is the same for every block whatever the tile unit's speed, and it sets the
// pace: on the Xeon of docs/performance.md (2026-12-04) the tiles are 1.1-1.2 times the
// vpdpbusd ones, a prompt about 1.1 times as fast. Tried and slower there end to end:
// 256-bit scaling, keeping a slab's columns in L1 across the token tiles, two sets of sum
// tiles alternating by half steps, scaling several blocks per accumulator load, and 16 × 16
// tiles with the sums in registers and a ring of four sum tiles.
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
#include "kernels/x86/impl/q32_group_layout.inc"
#include "kernels/x86/impl/q32_weights.inc"
#include "kernels/x86/impl/amx_tiles.inc"

static_assert(kGroupLanes == 16, "the tiles take groups of 16 tokens (the AVX-512 layout)");

// The eight tile registers: four sums C(h, g) for row half h and token group g, two weight
// tiles A(h), two activation tiles B(g). Macros: GCC's tile intrinsics paste the number into
// the instruction's text, so it must be a literal once the preprocessor is done.
#define SLIMLLM_TILE_C00 0
#define SLIMLLM_TILE_C01 1
#define SLIMLLM_TILE_C10 2
#define SLIMLLM_TILE_C11 3
#define SLIMLLM_TILE_A0 4
#define SLIMLLM_TILE_A1 5
#define SLIMLLM_TILE_B0 6
#define SLIMLLM_TILE_B1 7
constexpr int kTileRows = 32;  // weight rows per output tile

constexpr TileConfig tile_config() {
  TileConfig c;
  for (int t : {SLIMLLM_TILE_C00, SLIMLLM_TILE_C01, SLIMLLM_TILE_C10, SLIMLLM_TILE_C11}) {
    c.colsb[t] = 16 * sizeof(int32_t);
    c.rows[t] = 16;
  }
  for (int t : {SLIMLLM_TILE_A0, SLIMLLM_TILE_A1}) {
    c.colsb[t] = 32;
    c.rows[t] = 16;
  }
  for (int t : {SLIMLLM_TILE_B0, SLIMLLM_TILE_B1}) {
    c.colsb[t] = 64;
    c.rows[t] = 8;
  }
  return c;
}
// In memory (amx_tiles.inc).
constexpr TileConfig kTileConfig = tile_config();

// Tile shapes are per thread: every call configures them and releases them at the end.
inline void configure_tiles() {
  _tile_loadconfig(&kTileConfig);
}


// Columns the slab's weight scales (f32, on the stack) cover; wider matrices take the avx512
// path. 16384 columns: 64 KB.
constexpr int64_t kMaxBlocks = 512;

// Whether A can be read from the weight rows as they are (Q8_0: 32 signed bytes per block).
template <class W>
constexpr bool kPlainBytes = std::is_same_v<W, WeightQ8_0>;

// Q4_0: 16 rows of block b unpacked to signed bytes, for one A tile.
template <class W>
inline void unpack_rows(const uint8_t* w, int64_t wstride, int64_t b, int8_t (*out)[32]) {
  for (int i = 0; i < 16; ++i) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(out[i]),
                       W::values(w + i * wstride + b * W::kBytes));
  }
}

// y[t * ldy + r] for the 32 rows at `w` and the first `tokens` of G groups (G = 1: at most 16)
// at `act`; dw[b * 32 + i] is the scale of row i's block b. `ahead`/`ahead_bytes`: a part of
// the next slab's weights, requested into L2 over the blocks.
//
// The sums of block b are scaled after the tile unit has been handed block b + 1, from the
// other of two buffers, so the unit has the next products to work on while the vector units
// scale these.
template <class W, int G>
void tile_amx(const uint8_t* w, int64_t wstride, const float* dw, const uint8_t* act,
              int64_t gstride, int64_t nb, int tokens, float* y, int64_t ldy,
              const uint8_t* ahead, int64_t ahead_bytes) {
  const int64_t ahead_step = (ahead_bytes / 64 + nb - 1) / nb * 64;
  __m512 acc[kTileRows][G];
  for (auto& row : acc)
    for (auto& v : row) v = _mm512_setzero_ps();
  alignas(64) int32_t c[2][2][G][16][16];  // [block parity][row half][group]
  alignas(64) int8_t a[2][16][32];
  const auto products = [&](int64_t b) {
    const uint8_t* ab = act + b * kGroupBlockBytes;
    int32_t(*cb)[G][16][16] = c[b & 1];
    _tile_zero(SLIMLLM_TILE_C00);
    _tile_zero(SLIMLLM_TILE_C10);
    if constexpr (G == 2) {
      _tile_zero(SLIMLLM_TILE_C01);
      _tile_zero(SLIMLLM_TILE_C11);
    }
    if constexpr (kPlainBytes<W>) {
      _tile_loadd(SLIMLLM_TILE_A0, w + b * W::kBytes + 2, wstride);
      _tile_loadd(SLIMLLM_TILE_A1, w + 16 * wstride + b * W::kBytes + 2, wstride);
    } else {
      unpack_rows<W>(w, wstride, b, a[0]);
      unpack_rows<W>(w + 16 * wstride, wstride, b, a[1]);
      _tile_loadd(SLIMLLM_TILE_A0, a[0], 32);
      _tile_loadd(SLIMLLM_TILE_A1, a[1], 32);
    }
    _tile_loadd(SLIMLLM_TILE_B0, ab, 64);
    _tile_dpbssd(SLIMLLM_TILE_C00, SLIMLLM_TILE_A0, SLIMLLM_TILE_B0);
    _tile_dpbssd(SLIMLLM_TILE_C10, SLIMLLM_TILE_A1, SLIMLLM_TILE_B0);
    if constexpr (G == 2) {
      _tile_loadd(SLIMLLM_TILE_B1, ab + gstride, 64);
      _tile_dpbssd(SLIMLLM_TILE_C01, SLIMLLM_TILE_A0, SLIMLLM_TILE_B1);
      _tile_dpbssd(SLIMLLM_TILE_C11, SLIMLLM_TILE_A1, SLIMLLM_TILE_B1);
    }
    _tile_stored(SLIMLLM_TILE_C00, cb[0][0], 64);
    _tile_stored(SLIMLLM_TILE_C10, cb[1][0], 64);
    if constexpr (G == 2) {
      _tile_stored(SLIMLLM_TILE_C01, cb[0][1], 64);
      _tile_stored(SLIMLLM_TILE_C11, cb[1][1], 64);
    }
  };
  const auto scale = [&](int64_t b) {
    const uint8_t* ab = act + b * kGroupBlockBytes;
    const int32_t(*cb)[G][16][16] = c[b & 1];
    const float* dwb = dw + b * kTileRows;
    for (int g = 0; g < G; ++g) {
      const __m512 da = _mm512_loadu_ps(ab + g * gstride + kGroupScaleOffset);
      for (int h = 0; h < 2; ++h) {
        for (int i = 0; i < 16; ++i) {
          const __m512 s = _mm512_mul_ps(_mm512_set1_ps(dwb[16 * h + i]), da);
          const __m512 sum = _mm512_cvtepi32_ps(_mm512_load_si512(cb[h][g][i]));
          acc[16 * h + i][g] = _mm512_fmadd_ps(sum, s, acc[16 * h + i][g]);
        }
      }
    }
  };
  products(0);
  for (int64_t b = 1; b < nb; ++b) {
    products(b);
    for (int64_t off = (b - 1) * ahead_step; off < std::min(ahead_bytes, b * ahead_step);
         off += 64) {
      _mm_prefetch(ahead + off, _MM_HINT_T1);
    }
    scale(b - 1);
  }
  scale(nb - 1);
  store_tile<kTileRows, G>(acc, tokens, y, ldy);
}

// Rows [r0, r1) in slabs of 32 (the tail, if any, by the avx512 tiles); each slab's weight
// scales widened once, then every tile of tokens over it.
template <class W>
int64_t gemm_q32_tiles(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act,
                       int64_t n, float* y) {
  const int64_t nb = w.cols / 32;
  const int64_t wstride = static_cast<int64_t>(row_bytes(w.type, w.cols));
  const int64_t gstride = q32_group_stride(w.cols);
  const int64_t ldy = w.rows;
  alignas(64) float dw[kMaxBlocks * kTileRows];
  configure_tiles();
  int64_t r = r0;
  // While a slab is multiplied, the next one is requested from memory, a share per token
  // tile: the first touch of a slab otherwise waits on memory, row after row.
  const int64_t slab_bytes = kTileRows * wstride;
  const int64_t tiles = (n + kTileTokens - 1) / kTileTokens;
  const int64_t share = (slab_bytes + tiles - 1) / tiles;
  for (; r + kTileRows <= r1; r += kTileRows) {
    const uint8_t* slab = w.row(r);
    const uint8_t* next = r + 2 * kTileRows <= r1 ? slab + slab_bytes : nullptr;
    for (int i = 0; i < kTileRows; ++i) {  // row by row: sequential reads
      for (int64_t b = 0; b < nb; ++b) {
        dw[b * kTileRows + i] = W::scale(slab + i * wstride + b * W::kBytes);
      }
    }
    for (int64_t t = 0; t < n; t += kTileTokens) {
      const int tokens = static_cast<int>(std::min<int64_t>(kTileTokens, n - t));
      const uint8_t* at = act + t / kGroupLanes * gstride;
      float* yt = y + t * ldy + r;
      const int64_t from = t / kTileTokens * share;
      const uint8_t* ahead = next != nullptr ? next + from : nullptr;
      const int64_t ahead_bytes = next != nullptr ? std::min(share, slab_bytes - from) : 0;
      if (tokens > kGroupLanes) {
        tile_amx<W, 2>(slab, wstride, dw, at, gstride, nb, tokens, yt, ldy, ahead, ahead_bytes);
      } else {
        tile_amx<W, 1>(slab, wstride, dw, at, gstride, nb, tokens, yt, ldy, ahead, ahead_bytes);
      }
    }
  }
  _tile_release();
  return r;
}

}  // namespace

void gemm_q32(const WeightView& w, int64_t r0, int64_t r1, const uint8_t* act, int64_t n,
              float* y) {
  // A decode step (up to kGemvMaxTokens tokens) streams the rows once: the avx512 decode path.
  if (n <= kGemvMaxTokens || w.cols / 32 > kMaxBlocks) {
    return avx512::gemm_q32(w, r0, r1, act, n, y);
  }
  const int64_t done = w.type == DType::kQ8_0 ? gemm_q32_tiles<WeightQ8_0>(w, r0, r1, act, n, y)
                                              : gemm_q32_tiles<WeightQ4_0>(w, r0, r1, act, n, y);
  if (done < r1) avx512::gemm_q32(w, done, r1, act, n, y);
}

}  // namespace slimllm::x86::amx
#include "kernels/x86/impl/target_end.inc"
#endif  // __x86_64__
