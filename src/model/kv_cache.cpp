#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "base/strings.h"

namespace slimllm {
namespace {

// The cache may not exceed this many bytes: well beyond any CPU deployment, and it keeps a bad
// num_ctx from asking for an absurd allocation.
constexpr uint64_t kMaxCacheBytes = uint64_t{64} << 30;

}  // namespace

KvCache::KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim, bool allocate)
    : n_layer_(n_layer), n_ctx_(n_ctx), n_seq_(n_seq), kv_dim_(kv_dim) {
  if (n_layer <= 0 || n_ctx <= 0 || n_seq <= 0 || kv_dim <= 0 || n_ctx > (int64_t{1} << 24) ||
      n_seq > 4096 || n_layer > 4096 || kv_dim > (int64_t{1} << 20)) {
    fail("KV cache size out of range: ", n_layer, " layers, ", n_ctx, " cells, ", n_seq,
         " sequences, ", kv_dim, " values per cell");
  }
  const uint64_t bytes = bytes_for(n_layer, n_ctx, allocate ? n_seq : 1, kv_dim);
  if (bytes > kMaxCacheBytes) {
    fail("KV cache of ", human_bytes(bytes), " is too large; lower num_ctx or num_parallel");
  }
  k_.resize(static_cast<size_t>(n_seq));
  v_.resize(static_cast<size_t>(n_seq));
  capacity_.assign(static_cast<size_t>(n_seq), 0);
  length_.assign(static_cast<size_t>(n_seq), 0);
  if (allocate) {
    for (int64_t s = 0; s < n_seq; ++s) reserve(s, static_cast<int32_t>(n_ctx));
  }
}

size_t KvCache::bytes() const {
  size_t total = 0;
  for (size_t s = 0; s < k_.size(); ++s) total += (k_[s].size() + v_[s].size()) * sizeof(uint16_t);
  return total;
}

void KvCache::reserve(int64_t seq, int32_t cells) {
  if (seq < 0 || seq >= n_seq_) fail("KV cache: no sequence ", seq);
  cells = static_cast<int32_t>(std::min<int64_t>(cells, n_ctx_));
  const int32_t old = capacity(seq);
  if (cells <= old) return;
  const size_t s = static_cast<size_t>(seq);
  const size_t values = static_cast<size_t>(n_layer_ * cells * kv_dim_);
  std::vector<uint16_t> k(values, 0), v(values, 0);
  const size_t kept = static_cast<size_t>(length(seq) * kv_dim_);
  for (int64_t layer = 0; layer < n_layer_ && kept > 0; ++layer) {
    const size_t from = static_cast<size_t>(layer * old * kv_dim_);
    const size_t to = static_cast<size_t>(layer * cells * kv_dim_);
    std::memcpy(k.data() + to, k_[s].data() + from, kept * sizeof(uint16_t));
    std::memcpy(v.data() + to, v_[s].data() + from, kept * sizeof(uint16_t));
  }
  k_[s] = std::move(k);
  v_[s] = std::move(v);
  capacity_[s] = cells;
}

void KvCache::release(int64_t seq) {
  if (seq < 0 || seq >= n_seq_) fail("KV cache: no sequence ", seq);
  const size_t s = static_cast<size_t>(seq);
  std::vector<uint16_t>().swap(k_[s]);
  std::vector<uint16_t>().swap(v_[s]);
  capacity_[s] = 0;
  length_[s] = 0;
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
