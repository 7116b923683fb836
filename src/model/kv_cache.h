// The key/value cache: for every layer and sequence, one cell per position holding the rotated keys
// and the values of all KV heads in F16. A sequence's token at position p lives in cell p, so a
// token attends cells [0, p] of its own sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace slimllm {

class KvCache {
 public:
  // Throws Error when the size is out of range or too large to allocate.
  KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim);

  // Bytes a cache of this shape holds (f16 keys and values), for estimates before allocating.
  static uint64_t bytes_for(int64_t n_layer, int64_t n_ctx, int64_t n_seq, int64_t kv_dim) {
    return static_cast<uint64_t>(n_layer) * static_cast<uint64_t>(n_ctx) *
           static_cast<uint64_t>(n_seq) * static_cast<uint64_t>(kv_dim) * 2 * sizeof(uint16_t);
  }

  int64_t n_layer() const { return n_layer_; }
  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_seq() const { return n_seq_; }
  int64_t kv_dim() const { return kv_dim_; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }

  // Cells of `seq` holding valid keys and values.
  int32_t length(int64_t seq) const { return length_[static_cast<size_t>(seq)]; }
  void set_length(int64_t seq, int32_t length) { length_[static_cast<size_t>(seq)] = length; }
  void clear(int64_t seq) { set_length(seq, 0); }

  // [kv_dim] f16 of one cell.
  uint16_t* k(int64_t layer, int64_t seq, int64_t cell) {
    return k_.data() + index(layer, seq, cell);
  }
  uint16_t* v(int64_t layer, int64_t seq, int64_t cell) {
    return v_.data() + index(layer, seq, cell);
  }
  const uint16_t* k(int64_t layer, int64_t seq, int64_t cell) const {
    return k_.data() + index(layer, seq, cell);
  }
  const uint16_t* v(int64_t layer, int64_t seq, int64_t cell) const {
    return v_.data() + index(layer, seq, cell);
  }

  // Removes cells [first, first + count) of `seq` in every layer, moving the later cells down.
  // The moved keys still carry their old rotation: Model::shift_context re-rotates them.
  void remove(int64_t seq, int32_t first, int32_t count);

 private:
  size_t index(int64_t layer, int64_t seq, int64_t cell) const {
    return static_cast<size_t>(((layer * n_seq_ + seq) * n_ctx_ + cell) * kv_dim_);
  }

  int64_t n_layer_, n_ctx_, n_seq_, kv_dim_;
  std::vector<uint16_t> k_;      // [n_layer, n_seq, n_ctx, kv_dim]
  std::vector<uint16_t> v_;      // [n_layer, n_seq, n_ctx, kv_dim]
  std::vector<int32_t> length_;  // [n_seq]
};

}  // namespace slimllm
