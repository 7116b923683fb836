// The key/value cache: for every sequence and layer, one cell per position holding the rotated keys
// and the values of all KV heads in F16. A sequence's token at position p lives in cell p, so a
// token attends cells [0, p] of its own sequence.
//
// Each sequence has its own storage, [n_layer, capacity, kv_dim] for keys and the same for values,
// so a sequence's cells of one layer are contiguous (what the attention kernel reads). A cache made
// with `allocate` holds n_ctx cells for every sequence from the start; a lazy one holds none, and
// its owner grows each sequence (reserve) as it needs cells and frees it (release) when done — the
// continuous-batching engine (engine/step_loop.h) does that against a budget of cells.
//
// Sliding-window layers (KvRing) keep only their last `ring` positions: position p lives in cell
// p % ring of such a layer, so a sequence holds min(capacity, ring) cells there and `capacity` in
// the other layers. The ring must hold the window before the first token of a forward pass while
// the pass writes its own tokens, so ring ≥ window + (tokens of one sequence per pass) - 1; and,
// so that a context shift (halving what follows the kept tokens) never needs a cell the ring has
// dropped, ring ≥ 2·window - 1 (see docs/architecture.md). Each sequence tracks the first
// position its rings still hold (ring_start): a cached prefix is reusable only when the rings hold
// the window before its end (reusable()).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace slimllm {

// Which layers keep a ring of cells instead of the whole context.
struct KvRing {
  std::vector<uint8_t> layers;  // [n_layer] 1: a sliding-window layer; empty: none
  int32_t cells = 0;            // ring size; 0 (or ≥ n_ctx): no ring, every layer holds the context
  int32_t window = 0;           // the layers' attention window (positions a token sees)
};

class KvCache {
 public:
  // Throws Error when the size is out of range or too large to allocate.
  KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim, bool allocate = true,
          const KvRing& ring = {});

  // Bytes a cache of this shape holds (f16 keys and values), for estimates before allocating.
  static uint64_t bytes_for(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim) {
    return static_cast<uint64_t>(n_layer) * static_cast<uint64_t>(n_ctx) *
           static_cast<uint64_t>(n_seq) * static_cast<uint64_t>(kv_dim) * 2 * sizeof(uint16_t);
  }

  int64_t n_layer() const { return n_layer_; }
  int64_t n_ctx() const { return n_ctx_; }  // the most cells any sequence may hold
  // The context length the model's rotation is chosen for (ModelConfig::rope: LongRoPE's long or
  // short factors): n_ctx unless set. A batching cache may hold more cells per sequence than the
  // context its requests asked for, and every sequence of a batch must rotate alike.
  int64_t rope_context() const { return rope_context_; }
  void set_rope_context(int64_t n_ctx) { rope_context_ = n_ctx; }
  int64_t n_seq() const { return n_seq_; }
  int64_t kv_dim() const { return kv_dim_; }
  // Bytes held now, over every sequence.
  size_t bytes() const;
  // Bytes one cell takes (keys and values of every layer).
  uint64_t cell_bytes() const { return bytes_for(n_layer_, 1, 1, kv_dim_); }
  // Bytes a sequence with storage for `cells` positions holds (rings capped at their size).
  uint64_t seq_bytes(int64_t cells) const;
  // seq_bytes(cells) in whole cells of cell_bytes() (rounded up): what a sequence of `cells`
  // positions costs in a budget counted in cells. `cells` when there is no ring.
  int64_t cost_cells(int64_t cells) const;

  // Ring size (0: none), the ring layers' window, and whether `layer` is a ring layer.
  int32_t ring() const { return ring_; }
  int32_t window() const { return window_; }
  bool is_ring(int64_t layer) const {
    return ring_ > 0 && ring_layer_[static_cast<size_t>(layer)] != 0;
  }
  // The first position of `seq` every ring still holds (0 without rings).
  int32_t ring_start(int64_t seq) const { return ring_start_[static_cast<size_t>(seq)]; }
  // The first position of `seq` whose cell `layer` holds.
  int32_t first_held(int64_t layer, int64_t seq) const { return is_ring(layer) ? ring_start(seq) : 0; }
  // How many of the first `count` valid cells of `seq` a new token may continue from: `count`
  // when every ring still holds the window before position `count`, else 0.
  int32_t reusable(int64_t seq, int32_t count) const;

  // Cells of `seq` holding valid keys and values.
  int32_t length(int64_t seq) const { return length_[static_cast<size_t>(seq)]; }
  // Sets the valid length; a longer length means positions up to it were just written, which
  // in a ring drops the positions `ring` or more before it.
  void set_length(int64_t seq, int32_t length);
  void clear(int64_t seq) { set_length(seq, 0); }

  // Cells `seq` has storage for.
  int32_t capacity(int64_t seq) const { return capacity_[static_cast<size_t>(seq)]; }
  // Grows the storage of `seq` to at least `cells` (at most n_ctx), keeping its valid cells.
  void reserve(int64_t seq, int32_t cells);
  // Frees the storage of `seq` (its length becomes 0).
  void release(int64_t seq);

  // [kv_dim] f16 of the cell holding position `cell` (cell % ring in a ring layer).
  uint16_t* k(int64_t layer, int64_t seq, int64_t cell) {
    return k_[static_cast<size_t>(seq)].data() + index(layer, seq, cell);
  }
  uint16_t* v(int64_t layer, int64_t seq, int64_t cell) {
    return v_[static_cast<size_t>(seq)].data() + index(layer, seq, cell);
  }
  const uint16_t* k(int64_t layer, int64_t seq, int64_t cell) const {
    return k_[static_cast<size_t>(seq)].data() + index(layer, seq, cell);
  }
  const uint16_t* v(int64_t layer, int64_t seq, int64_t cell) const {
    return v_[static_cast<size_t>(seq)].data() + index(layer, seq, cell);
  }

  // Removes cells [first, first + count) of `seq` in every layer, moving the later cells down
  // (in a ring: to the cells of their new positions; what the ring no longer held stays missing,
  // and ring_start says where the held positions begin). The moved keys still carry their old
  // rotation: Model::shift_context re-rotates them.
  void remove(int64_t seq, int32_t first, int32_t count);

 private:
  int64_t ring_cells(int64_t capacity) const { return ring_ > 0 ? std::min<int64_t>(capacity, ring_) : capacity; }
  size_t index(int64_t layer, int64_t seq, int64_t cell) const {
    const int64_t cap = capacity_[static_cast<size_t>(seq)];
    if (ring_ == 0) return static_cast<size_t>((layer * cap + cell) * kv_dim_);
    const int64_t rings = ring_before_[static_cast<size_t>(layer)];
    const int64_t base = (layer - rings) * cap + rings * ring_cells(cap);
    return static_cast<size_t>((base + (is_ring(layer) ? cell % ring_ : cell)) * kv_dim_);
  }

  int64_t n_layer_, n_ctx_, n_seq_, kv_dim_;
  int32_t ring_ = 0, window_ = 0;
  int64_t n_ring_ = 0;                 // ring layers
  std::vector<uint8_t> ring_layer_;    // [n_layer]
  std::vector<int64_t> ring_before_;   // [n_layer] ring layers before each layer
  std::vector<int32_t> ring_start_;    // [n_seq]
  int64_t rope_context_ = n_ctx_;
  std::vector<std::vector<uint16_t>> k_;  // [n_seq][n_layer, capacity, kv_dim]
  std::vector<std::vector<uint16_t>> v_;  // [n_seq][n_layer, capacity, kv_dim]
  std::vector<int32_t> capacity_;         // [n_seq]
  std::vector<int32_t> length_;           // [n_seq]
};

}  // namespace slimllm
