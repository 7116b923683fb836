#include "model/kv_cache.h"

#include <cstring>

#include "base/error.h"
#include "base/strings.h"

namespace slimllm {
namespace {

// The cache may not exceed this many bytes: well beyond any CPU deployment, and it keeps a bad
// num_ctx from asking for an absurd allocation.
constexpr uint64_t kMaxCacheBytes = uint64_t{64} << 30;

}  // namespace

KvCache::KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim)
    : n_layer_(n_layer), n_ctx_(n_ctx), n_seq_(n_seq), kv_dim_(kv_dim) {
  if (n_layer <= 0 || n_ctx <= 0 || n_seq <= 0 || kv_dim <= 0 || n_ctx > (int64_t{1} << 24) ||
      n_seq > 4096 || n_layer > 4096 || kv_dim > (int64_t{1} << 20)) {
    fail("KV cache size out of range: ", n_layer, " layers, ", n_ctx, " cells, ", n_seq,
         " sequences, ", kv_dim, " values per cell");
  }
  const uint64_t bytes = bytes_for(n_layer, n_ctx, n_seq, kv_dim);
  if (bytes > kMaxCacheBytes) {
    fail("KV cache of ", human_bytes(bytes), " is too large; lower num_ctx or num_parallel");
  }
  const uint64_t values = bytes / (2 * sizeof(uint16_t));
  k_.assign(values, 0);
  v_.assign(values, 0);
  length_.assign(static_cast<size_t>(n_seq), 0);
}

void KvCache::remove(int64_t seq, int32_t first, int32_t count) {
  const int32_t len = length(seq);
  if (first < 0 || count < 0 || first + count > len) {
    fail("KV cache: cannot remove cells [", first, ", ", first + count, ") of sequence ", seq,
         " holding ", len);
  }
  const size_t moved = static_cast<size_t>(len - first - count) * kv_dim_ * sizeof(uint16_t);
  for (int64_t layer = 0; layer < n_layer_; ++layer) {
    std::memmove(k(layer, seq, first), k(layer, seq, first + count), moved);
    std::memmove(v(layer, seq, first), v(layer, seq, first + count), moved);
  }
  set_length(seq, len - count);
}

}  // namespace slimllm
