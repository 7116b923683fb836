// Reference matrix × activations: dequantize a slice of a weight row, dot it with every
// activation row. Accumulates in double so it is the most accurate variant, not the fastest.
#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "kernels/ref/ref_kernels.h"
#include "tensor/dequantize.h"
#include "tensor/half.h"

namespace slimllm::ref {
namespace {

// Values dequantized at a time: a multiple of every block size (32 and 256).
constexpr int64_t kChunk = 256;
// Activation rows accumulated together while one weight slice is in the buffer.
constexpr int64_t kTokenGroup = 64;

}  // namespace

const float* row_to_f32(DType type, const uint8_t* row, int64_t offset, int64_t count,
                        float* buffer) {
  switch (type) {
    case DType::kF32:
      return reinterpret_cast<const float*>(row) + offset;
    case DType::kF16: {
      const uint16_t* h = reinterpret_cast<const uint16_t*>(row) + offset;
      for (int64_t i = 0; i < count; ++i) buffer[i] = f16_to_f32(h[i]);
      return buffer;
    }
    case DType::kBF16: {
      const uint16_t* h = reinterpret_cast<const uint16_t*>(row) + offset;
      for (int64_t i = 0; i < count; ++i) buffer[i] = bf16_to_f32(h[i]);
      return buffer;
    }
    default: {
      const DTypeTraits& t = traits(type);
      dequantize(type, row + offset / t.block_size * t.block_bytes, buffer,
                 static_cast<size_t>(count));
      return buffer;
    }
  }
}

size_t matmul_scratch_bytes(DType, int64_t, int64_t) {
  return 0;
}

void matmul(const WeightView& w, const float* x, int64_t n, float* y, Scratch, ThreadPool* pool) {
  const int64_t rows = w.rows;
  const int64_t cols = w.cols;
  parallel_for(
      pool, rows,
      [&](int64_t begin, int64_t end) {
        float buffer[kChunk];
        double acc[kTokenGroup];
        for (int64_t r = begin; r < end; ++r) {
          const uint8_t* row = w.row(r);
          for (int64_t t0 = 0; t0 < n; t0 += kTokenGroup) {
            const int64_t tn = std::min(kTokenGroup, n - t0);
            std::fill(acc, acc + tn, 0.0);
            for (int64_t off = 0; off < cols; off += kChunk) {
              const int64_t len = std::min(kChunk, cols - off);
              const float* wv = row_to_f32(w.type, row, off, len, buffer);
              for (int64_t t = 0; t < tn; ++t) {
                const float* xv = x + (t0 + t) * cols + off;
                double sum = 0.0;
                for (int64_t i = 0; i < len; ++i) sum += static_cast<double>(wv[i]) * xv[i];
                acc[t] += sum;
              }
            }
            for (int64_t t = 0; t < tn; ++t) y[(t0 + t) * rows + r] = static_cast<float>(acc[t]);
          }
        }
      },
      parallel_grain(cols * n));
}

void require_same_cols(std::span<const MatmulOut> products) {
  for (const MatmulOut& p : products) {
    if (p.w->cols != products[0].w->cols) {
      fail("matmul_many: weights of ", p.w->cols, " and ", products[0].w->cols,
           " columns cannot share their activations");
    }
  }
}

void matmul_many(std::span<const MatmulOut> products, const float* x, int64_t n, Scratch scratch,
                 ThreadPool* pool) {
  require_same_cols(products);
  for (const MatmulOut& p : products) ref::matmul(*p.w, x, n, p.y, scratch, pool);
}

void get_rows(const WeightView& w, const int32_t* ids, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* row = w.row(ids[i]);
    float* dst = out + i * w.cols;
    if (w.type == DType::kF32) {
      std::memcpy(dst, row, static_cast<size_t>(w.cols) * sizeof(float));
    } else {
      for (int64_t off = 0; off < w.cols; off += kChunk) {
        const int64_t len = std::min(kChunk, w.cols - off);
        row_to_f32(w.type, row, off, len, dst + off);
      }
    }
  }
}

}  // namespace slimllm::ref
