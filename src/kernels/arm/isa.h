// Internal interface of the Arm kernel families: neon_matmul.cpp and dotprod_matmul.cpp compile
// the same source (impl/matmul.inc) with and without the dot-product instruction, each into its
// own namespace. No intrinsics here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/dispatch.h"

#define SLIMLLM_ARM_DECLARE_ISA(isa)                                                     \
  namespace slimllm::arm::isa {                                                          \
  size_t matmul_scratch_bytes(DType type, int64_t cols, int64_t n);                      \
  void matmul(const WeightView& w, const float* x, int64_t n, float* y, Scratch scratch, \
              ThreadPool* pool);                                                         \
  void matmul_many(std::span<const MatmulOut> products, const float* x, int64_t n,       \
                   Scratch scratch, ThreadPool* pool);                                   \
  }

SLIMLLM_ARM_DECLARE_ISA(neon)
SLIMLLM_ARM_DECLARE_ISA(dotprod)
