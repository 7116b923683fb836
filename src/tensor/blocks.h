// The on-disk block layouts of the quantized types, byte for byte as GGUF stores them. Every
// field is little-endian; `d`/`dmin`/`m` are F16 bit patterns unless noted.
#pragma once

#include <cstdint>

namespace slimllm {

// 32 values: x = d * (q - 8), q in 0..15; low nibbles hold values 0..15, high nibbles 16..31.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
// 32 values: x = d * q + m.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[16];
};
// 32 values: 5-bit q (fifth bit in qh), x = d * (q - 16).
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[16];
};
// 32 values: 5-bit q, x = d * q + m.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[16];
};
// 32 values: x = d * q.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[32];
};
// 32 values with the sum precomputed: s = d * sum(qs). Activation partner of Q4_1/Q5_1.
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[32];
};

// K-quants: super-blocks of 256 values made of 16 or 8 sub-blocks.
// Q2_K: 16 sub-blocks of 16; 4-bit scale and 4-bit min per sub-block.
struct BlockQ2_K {
  uint8_t scales[16];
  uint8_t qs[64];
  uint16_t d;
  uint16_t dmin;
};
// Q3_K: 16 sub-blocks of 16; 6-bit scales packed in 12 bytes; high bit of each q in hmask.
struct BlockQ3_K {
  uint8_t hmask[32];
  uint8_t qs[64];
  uint8_t scales[12];
  uint16_t d;
};
// Q4_K: 8 sub-blocks of 32; 6-bit scales and mins packed in 12 bytes.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
// Q5_K: as Q4_K with the fifth bit of each q in qh.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
// Q6_K: 16 sub-blocks of 16; low 4 bits in ql, high 2 bits in qh; signed 8-bit scales.
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
// Q8_K: the activation partner of the K-quants. d is an F32; bsums holds the sum of each 16 qs.
struct BlockQ8_K {
  float d;
  int8_t qs[256];
  int16_t bsums[16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace slimllm
