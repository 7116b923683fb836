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

KvCache::KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim, bool allocate,
                 const KvRing& ring)
    : n_layer_(n_layer), n_ctx_(n_ctx), n_seq_(n_seq), kv_dim_(kv_dim) {
  if (n_layer <= 0 || n_ctx <= 0 || n_seq <= 0 || kv_dim <= 0 || n_ctx > (int64_t{1} << 24) ||
      n_seq > 4096 || n_layer > 4096 || kv_dim > (int64_t{1} << 20)) {
    fail("KV cache size out of range: ", n_layer, " layers, ", n_ctx, " cells, ", n_seq,
         " sequences, ", kv_dim, " values per cell");
  }
  ring_layer_.assign(static_cast<size_t>(n_layer), 0);
  ring_before_.assign(static_cast<size_t>(n_layer), 0);
  ring_start_.assign(static_cast<size_t>(n_seq), 0);
  // A ring as large as the context changes nothing: every layer then holds the context.
  if (ring.cells > 0 && ring.cells < n_ctx && !ring.layers.empty()) {
    if (static_cast<int64_t>(ring.layers.size()) != n_layer || ring.window <= 0 ||
        ring.window > ring.cells) {
      fail("KV cache ring of ", ring.cells, " cells for a window of ", ring.window,
           " does not fit ", n_layer, " layers");
    }
    for (int64_t l = 0; l < n_layer; ++l) {
      ring_before_[static_cast<size_t>(l)] = n_ring_;
      ring_layer_[static_cast<size_t>(l)] = ring.layers[static_cast<size_t>(l)] ? 1 : 0;
      n_ring_ += ring_layer_[static_cast<size_t>(l)];
    }
    if (n_ring_ > 0) {
      ring_ = ring.cells;
      window_ = ring.window;
    }
  }
  const uint64_t bytes = seq_bytes(n_ctx) * static_cast<uint64_t>(allocate ? n_seq : 1);
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

uint64_t KvCache::seq_bytes(int64_t cells) const {
  const uint64_t layer_cells = static_cast<uint64_t>((n_layer_ - n_ring_) * cells +
                                                     n_ring_ * ring_cells(cells));
  return layer_cells * static_cast<uint64_t>(kv_dim_) * 2 * sizeof(uint16_t);
}

int64_t KvCache::cost_cells(int64_t cells) const {
  if (ring_ == 0) return cells;
  const uint64_t per_cell = cell_bytes();
  return static_cast<int64_t>((seq_bytes(cells) + per_cell - 1) / per_cell);
}

int32_t KvCache::reusable(int64_t seq, int32_t count) const {
  if (ring_ == 0 || count <= 0) return count;
  return std::max(0, count - window_ + 1) >= ring_start(seq) ? count : 0;
}

void KvCache::set_length(int64_t seq, int32_t length) {
  const size_t s = static_cast<size_t>(seq);
  if (length <= 0) {
    ring_start_[s] = 0;
  } else if (ring_ > 0 && length > length_[s]) {
    ring_start_[s] = std::max(ring_start_[s], length - ring_);
  }
  length_[s] = length;
}

void KvCache::reserve(int64_t seq, int32_t cells) {
  if (seq < 0 || seq >= n_seq_) fail("KV cache: no sequence ", seq);
  cells = static_cast<int32_t>(std::min<int64_t>(cells, n_ctx_));
  const int32_t old = capacity(seq);
  if (cells <= old) return;
  const size_t s = static_cast<size_t>(seq);
  const size_t values = static_cast<size_t>((n_layer_ - n_ring_) * cells + n_ring_ * ring_cells(cells)) *
                        static_cast<size_t>(kv_dim_);
  std::vector<uint16_t> k(values, 0), v(values, 0);
  // Valid cells move to the new layout: a full layer's first `length`, a ring's every cell (a
  // ring grows only until it reaches its size, before any position wraps).
  size_t from = 0, to = 0;
  for (int64_t layer = 0; layer < n_layer_; ++layer) {
    const bool in_ring = is_ring(layer);
    const size_t kept = static_cast<size_t>((in_ring ? ring_cells(old) : length(seq)) * kv_dim_);
    if (kept > 0) {
      std::memcpy(k.data() + to, k_[s].data() + from, kept * sizeof(uint16_t));
      std::memcpy(v.data() + to, v_[s].data() + from, kept * sizeof(uint16_t));
    }
    from += static_cast<size_t>((in_ring ? ring_cells(old) : old) * kv_dim_);
    to += static_cast<size_t>((in_ring ? ring_cells(cells) : cells) * kv_dim_);
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
  ring_start_[s] = 0;
}

void KvCache::remove(int64_t seq, int32_t first, int32_t count) {
  const int32_t len = length(seq);
  if (first < 0 || count < 0 || first + count > len) {
    fail("KV cache: cannot remove cells [", first, ", ", first + count, ") of sequence ", seq,
         " holding ", len);
  }
  const size_t moved = static_cast<size_t>(len - first - count) * kv_dim_ * sizeof(uint16_t);
  const int32_t new_len = len - count;
  // In a ring, new position q comes from old position src(q); positions from new_len - ring on
  // have a cell, and they are held from the last one down to the first whose source was gone.
  auto src = [&](int32_t q) { return q < first ? q : q + count; };
  const int32_t lowest = std::max(0, new_len - ring_);
  int32_t start = new_len;
  while (start > lowest && src(start - 1) >= ring_start(seq)) --start;
  std::vector<uint16_t> old_k, old_v;
  const size_t row = static_cast<size_t>(kv_dim_) * sizeof(uint16_t);
  for (int64_t layer = 0; layer < n_layer_; ++layer) {
    if (!is_ring(layer)) {
      std::memmove(k(layer, seq, first), k(layer, seq, first + count), moved);
      std::memmove(v(layer, seq, first), v(layer, seq, first + count), moved);
      continue;
    }
    const size_t ring_values = static_cast<size_t>(ring_cells(capacity(seq)) * kv_dim_);
    old_k.assign(k(layer, seq, 0), k(layer, seq, 0) + ring_values);
    old_v.assign(v(layer, seq, 0), v(layer, seq, 0) + ring_values);
    for (int32_t q = start; q < new_len; ++q) {
      const size_t at = static_cast<size_t>(src(q) % ring_) * static_cast<size_t>(kv_dim_);
      std::memcpy(k(layer, seq, q), old_k.data() + at, row);
      std::memcpy(v(layer, seq, q), old_v.data() + at, row);
    }
  }
  length_[static_cast<size_t>(seq)] = new_len;
  if (ring_ > 0) ring_start_[static_cast<size_t>(seq)] = start;
}

}  // namespace slimllm
