#include "kernels/dispatch.h"

#include <algorithm>
#include <atomic>
#include <iterator>

#include "base/error.h"

#include "base/log.h"
#include "kernels/ref/ref_kernels.h"

namespace slimllm {

const KernelTable& reference_kernels() {
  static const KernelTable table = [] {
    KernelTable t;
    t.name = "generic";
    t.matmul_scratch_bytes = ref::matmul_scratch_bytes;
    t.matmul = ref::matmul;
    t.matmul_many = ref::matmul_many;
    t.get_rows = ref::get_rows;
    t.rms_norm = ref::rms_norm;
    t.layer_norm = ref::layer_norm;
    t.rope = ref::rope;
    t.softmax = ref::softmax;
    t.silu_mul = ref::silu_mul;
    t.gelu = ref::gelu;
    t.gelu_mul = ref::gelu_mul;
    t.attention = ref::attention;
    return t;
  }();
  return table;
}

namespace {
std::atomic<const KernelTable*> g_override{nullptr};
}  // namespace

const KernelTable& active_kernels() {
  if (const KernelTable* o = g_override.load(std::memory_order_acquire)) return *o;
  // The best variant for cpu_features(), or the one SLIMLLM_CPU forces (logged once).
  static const KernelTable& table = select_kernels();
  return table;
}

void override_active_kernels(const KernelTable* table) {
  g_override.store(table, std::memory_order_release);
}

size_t matmul_scratch_bytes(DType type, int64_t cols, int64_t n) {
  return active_kernels().matmul_scratch_bytes(type, cols, n);
}
size_t matmul_scratch_bytes(std::span<const WeightView* const> weights, int64_t n) {
  // The largest need of each type, in the order the types first appear.
  DType types[32];
  size_t need[32];
  size_t count = 0;
  for (const WeightView* w : weights) {
    if (w->empty()) continue;
    const size_t bytes = matmul_scratch_bytes(w->type, w->cols, n);
    size_t i = 0;
    while (i < count && types[i] != w->type) ++i;
    if (i == count) {
      if (count == std::size(types)) fail("matmul_scratch_bytes: more weight types than expected");
      types[count] = w->type;
      need[count++] = 0;
    }
    need[i] = std::max(need[i], bytes);
  }
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += need[i];
  return total;
}
void matmul(const WeightView& w, const float* x, int64_t n, float* y, Scratch scratch,
            ThreadPool* pool) {
  active_kernels().matmul(w, x, n, y, scratch, pool);
}
void matmul_many(std::span<const MatmulOut> products, const float* x, int64_t n, Scratch scratch,
                 ThreadPool* pool) {
  active_kernels().matmul_many(products, x, n, scratch, pool);
}
void get_rows(const WeightView& w, const int32_t* ids, int64_t n, float* out) {
  active_kernels().get_rows(w, ids, n, out);
}
void rms_norm(const float* x, const float* weight, int64_t n, int64_t dim, float eps, float* out,
              ThreadPool* pool) {
  active_kernels().rms_norm(x, weight, n, dim, eps, out, pool);
}
void layer_norm(const float* x, const float* weight, const float* bias, int64_t n, int64_t dim,
                float eps, float* out, ThreadPool* pool) {
  active_kernels().layer_norm(x, weight, bias, n, dim, eps, out, pool);
}
void rope(float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim, const int32_t* positions,
          const RopeParams& params, ThreadPool* pool) {
  active_kernels().rope(x, n_tokens, n_heads, head_dim, positions, params, pool);
}
void softmax(float* x, int64_t n) {
  active_kernels().softmax(x, n);
}
void silu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool) {
  active_kernels().silu_mul(gate, up, out, n, pool);
}
void gelu(const float* x, float* out, int64_t n, ThreadPool* pool) {
  active_kernels().gelu(x, out, n, pool);
}
void gelu_mul(const float* gate, const float* up, float* out, int64_t n, ThreadPool* pool) {
  active_kernels().gelu_mul(gate, up, out, n, pool);
}
void attention(const AttentionArgs& args, ThreadPool* pool) {
  active_kernels().attention(args, pool);
}

}  // namespace slimllm
