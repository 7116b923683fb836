// The key/value cache: for every sequence and layer, one cell per position holding the rotated keys
// and the values of all KV heads in F16. A sequence's token at position p lives in cell p, so a
// token attends cells [0, p] of its own sequence.
//
// Each sequence has its own storage, [n_layer, capacity, kv_dim] for keys and the same for values,
// so a sequence's cells of one layer are contiguous (what the attention kernel reads). A cache made
// with `allocate` holds n_ctx cells for every sequence from the start; a lazy one holds none, and
// its owner grows each sequence (reserve) as it needs cells and frees it (release) when done — the
// continuous-batching engine (engine/step_loop.h) does that against a budget of cells.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace slimllm {

class KvCache {
 public:
  // Throws Error when the size is out of range or too large to allocate.
  KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim, bool allocate = true);

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

  // Cells of `seq` holding valid keys and values.
  int32_t length(int64_t seq) const { return length_[static_cast<size_t>(seq)]; }
  void set_length(int64_t seq, int32_t length) { length_[static_cast<size_t>(seq)] = length; }
  void clear(int64_t seq) { set_length(seq, 0); }

  // Cells `seq` has storage for.
  int32_t capacity(int64_t seq) const { return capacity_[static_cast<size_t>(seq)]; }
  // Grows the storage of `seq` to at least `cells` (at most n_ctx), keeping its valid cells.
  void reserve(int64_t seq, int32_t cells);
  // Frees the storage of `seq` (its length becomes 0).
  void release(int64_t seq);

  // [kv_dim] f16 of one cell.
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

  // Removes cells [first, first + count) of `seq` in every layer, moving the later cells down.
  // The moved keys still carry their old rotation: Model::shift_context re-rotates them.
  void remove(int64_t seq, int32_t first, int32_t count);

 private:
  size_t index(int64_t layer, int64_t seq, int64_t cell) const {
    return static_cast<size_t>((layer * capacity_[static_cast<size_t>(seq)] + cell) * kv_dim_);
  }

  int64_t n_layer_, n_ctx_, n_seq_, kv_dim_;
  int64_t rope_context_ = n_ctx_;
  std::vector<std::vector<uint16_t>> k_;  // [n_seq][n_layer, capacity, kv_dim]
  std::vector<std::vector<uint16_t>> v_;  // [n_seq][n_layer, capacity, kv_dim]
  std::vector<int32_t> capacity_;         // [n_seq]
  std::vector<int32_t> length_;           // [n_seq]
};

}  // namespace slimllm
