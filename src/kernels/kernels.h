// The operations a transformer forward pass needs, independent of any architecture. Each call
// goes through the dispatch table (dispatch.h), so the fast path replaces a kernel without the
// callers changing. Every entry point takes a `ThreadPool*` (nullptr = run on the caller) and
// none allocates: working memory comes from the caller (see `Scratch`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "tensor/dtype.h"

namespace slimllm {

// A weight matrix as stored in the model file: `rows` rows of `cols` values of `type`, row-major
// (GGUF's shape [cols, rows]). `data` points into the mapped file.
struct WeightView {
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const void* data = nullptr;

  bool empty() const { return data == nullptr; }
  const uint8_t* row(int64_t r) const {
    return static_cast<const uint8_t*>(data) + static_cast<uint64_t>(r) * row_bytes(type, cols);
  }
};

// Caller-owned working memory for one kernel call. The fast matmul quantizes the activations
// into it once per product; size it with matmul_scratch_bytes() once, at start-up.
struct Scratch {
  uint8_t* data = nullptr;
  size_t bytes = 0;
};

// Rotary position embedding parameters of a model.
struct RopeParams {
  int n_rot = 0;                        // leading dimensions of each head that rotate
  float freq_base = 10000.0f;           // theta_i = pos * freq_scale * base^(-2i/n_rot)
  float freq_scale = 1.0f;              // linear scaling (1 / rope.scaling.factor)
  const float* freq_factors = nullptr;  // [n_rot/2] divisors of each frequency (Llama 3), or null
  bool neox = false;                    // pairs (i, i + n_rot/2) instead of (2i, 2i + 1)
};

// Attention of a batch of query tokens over an F16 KV cache. Token t sees the first
// `n_visible[t]` cells starting at k_cells[t] / v_cells[t]; cells are `cell_stride` values apart
// and hold n_head_kv heads of head_dim values each. Grouped-query: query head h reads KV head
// h / (n_head / n_head_kv). A sliding window (`window` > 0) narrows what each token sees to the
// last `window` of its visible cells (llama.cpp's standard SWA: the token at position p sees
// positions p - window + 1 .. p). A soft cap (`softcap` > 0) bends every scaled score s into
// softcap·tanh(s / softcap) before the softmax (Gemma 2). A ring (`ring` > 0, with a window of at
// most `ring` cells) stores position p in cell p % ring: a sliding-window layer's cache keeps only
// its last `ring` positions (model/kv_cache.h); token t still names its positions by n_visible[t].
struct AttentionArgs {
  const float* q = nullptr;                  // [n_tokens, n_head, head_dim]
  float* out = nullptr;                      // [n_tokens, n_head, head_dim]
  const uint16_t* const* k_cells = nullptr;  // [n_tokens] → [n_visible, cell_stride] f16
  const uint16_t* const* v_cells = nullptr;  // [n_tokens] → [n_visible, cell_stride] f16
  const int32_t* n_visible = nullptr;        // [n_tokens]
  int64_t n_tokens = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t cell_stride = 0;
  float scale = 1.0f;  // usually 1/sqrt(head_dim)
  int32_t window = 0;  // cells each token sees at most (counting itself); 0: all visible cells
  float softcap = 0;   // attention-logit soft cap; 0: none
  int32_t ring = 0;    // cells of a ring buffer (position p in cell p % ring); 0: position p in cell p
};

// One product of matmul_many: a weight matrix and its output y[n, w->rows].
struct MatmulOut {
  const WeightView* w = nullptr;
  float* y = nullptr;
};

// Bytes of scratch matmul() needs for `n` activation rows of `cols` values against weights of
// `type`.
size_t matmul_scratch_bytes(DType type, int64_t cols, int64_t n);
// Bytes of scratch that matmul_many() of any of these weights (any subset, with n rows) needs:
// each type's largest need, summed over the types.
size_t matmul_scratch_bytes(std::span<const WeightView* const> weights, int64_t n);

// y[n, w.rows] = x[n, w.cols] · wᵀ.
void matmul(const WeightView& w, const float* x, int64_t n, float* y, Scratch scratch,
            ThreadPool* pool);

// Every product of the same activations x[n, cols] at once (q, k and v; gate and up), as one job
// for the threads: the activations are quantized once per weight type, and the rows of all the
// matrices are shared out together, so small matrices (k, v) cost no hand-off of their own. The
// weights must have the same number of columns; each y_i is as matmul() would write it.
void matmul_many(std::span<const MatmulOut> products, const float* x, int64_t n, Scratch scratch,
                 ThreadPool* pool);

// out[i, :] = row ids[i] of `w`, as f32: the embedding lookup.
void get_rows(const WeightView& w, const int32_t* ids, int64_t n, float* out);

// out[n, dim] = x / rms(x) * weight, per row. `out` may alias `x`.
void rms_norm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* out,
              ThreadPool* pool);

// out[n, dim] = (x - mean) / sqrt(var + eps) * weight + bias, per row: LayerNorm, as the BERT
// family uses it (mean and variance over the row). `bias` may be null. `out` may alias `x`.
void layer_norm(const float* x, const float* weight, const float* bias, int64_t n, int64_t dim,
                float eps, float* out, ThreadPool* pool);

// Rotates x[n_tokens, n_heads, head_dim] in place by each token's position.
void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, const int32_t* positions,
          const RopeParams& params, ThreadPool* pool);

// x[n] = softmax(x), in place.
void softmax(float* x, int64_t n);

// out[n] = silu(gate) * up. `out` may alias `gate` or `up`.
void silu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool);

// out[n] = gelu(x) in the tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): what
// ggml computes for the GGUF BERT family, so embeddings match llama.cpp's rather than the erf form
// the original checkpoints trained with (the two differ by under 1e-3). `out` may alias `x`.
void gelu(const float* x, float* out, int64_t n, ThreadPool* pool);

// out[n] = gelu(gate) * up, gelu in the same tanh approximation, computed as
// gate / (1 + e^(-2·√(2/π)·(gate + 0.044715·gate³))) (0.5·(1 + tanh(u)) = 1 / (1 + e^(-2u)), which
// loses no precision to the cancellation in 1 + tanh(u) for negative gates): Gemma's feed-forward
// in one pass. `out` may alias `gate` or `up`.
void gelu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool);

void attention(const AttentionArgs& args, ThreadPool* pool);

}  // namespace slimllm
