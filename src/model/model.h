// A loaded transformer — a decoder, or an encoder of the BERT family (encoder.h) — with immutable
// weights (views into the mapped GGUF file) and the forward pass. The caller owns the mutable
// parts — the KV cache and the forward state — so one model can serve several sequences, batched
// into one pass.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "kernels/kernels.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/forward_state.h"
#include "model/kv_cache.h"

namespace slimllm {

class TensorTable;

// What the shared decoder's layers carry beyond llama's: biases on the q/k/v projections (qwen2),
// a per-head RMSNorm of q and k before the rotation (qwen3).
struct DecoderTensors {
  bool qkv_bias = false;
  bool qk_norm = false;
  // The architecture binds q/k/v, and gate/up, itself (phi3's fused attn_qkv and ffn_up, split
  // into the row views wq/wk/wv and w_gate/w_up).
  bool fused_qkv = false;
  bool fused_gate_up = false;
};

// The weights every llama-like architecture has; optional ones are empty when absent.
struct LayerWeights {
  std::vector<float> attn_norm;       // [n_embd]
  WeightView wq, wk, wv, wo;          // [q_dim, n_embd] [kv_dim, n_embd] ×2, [n_embd, q_dim]
  std::vector<float> bq, bk, bv;      // [q_dim] [kv_dim] [kv_dim] or empty
  std::vector<float> q_norm, k_norm;  // [head_dim] each: per-head RMSNorm of q and k, or empty
  std::vector<float> attn_post_norm;  // [n_embd] RMSNorm of the attention output (Gemma) or empty
  std::vector<float> ffn_norm;        // [n_embd]
  std::vector<float> ffn_post_norm;   // [n_embd] RMSNorm of the feed-forward output, or empty
  WeightView w_gate, w_up, w_down;    // [n_ff, n_embd] ×2, [n_embd, n_ff]
};

struct DecoderWeights {
  WeightView token_embd;           // [n_vocab, n_embd]
  std::vector<float> output_norm;  // [n_embd]
  WeightView output;               // [n_vocab, n_embd]; the embedding itself when tied
  bool tied_embeddings = false;
  std::vector<LayerWeights> layers;  // [n_layer]

  std::vector<const WeightView*> matrices() const;
};

class Model {
 public:
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return config_; }
  const DecoderWeights& weights() const { return weights_; }
  const GgufFile& file() const { return *file_; }

  // Buffers for passes of up to max_tokens tokens returning up to max_outputs rows.
  ForwardState make_state(int64_t max_tokens, int64_t max_outputs,
                          OutputKind kind = OutputKind::kLogits) const;
  // A cache of n_ctx positions for each of n_seq sequences. An encoder's has one layer, which
  // every layer reuses (encoder.h). Without `allocate`, no sequence holds cells until the caller
  // reserves them (kv_cache.h). With `max_batch` > 0 (the most tokens one forward pass adds to a
  // sequence), a sliding-window model's local layers keep a ring of
  // max(window + max_batch - 1, 2·window - 1) cells instead of n_ctx (kv_cache.h); 0: every layer
  // holds n_ctx cells.
  KvCache make_cache(int64_t n_ctx, int64_t n_seq, bool allocate = true,
                     int64_t max_batch = 0) const;

  // Runs the batch: writes every token's keys and values into `kv` and returns, in batch order,
  // one row per token with `output` set ([n_out, n_vocab] logits or [n_out, n_embd] hidden
  // states), valid until the next call with the same state. Throws Error for a batch that breaks
  // the rules in batch.h or does not fit the state or the cache.
  //
  // An encoder (config().is_encoder) returns only kHidden — each token's final hidden state, for
  // the caller to pool — and takes each sequence whole in one batch, from position 0: its tokens
  // attend one another in both directions (unless the file says attention.causal), never tokens
  // of another sequence, and nothing is kept for a later call.
  std::span<const float> forward(std::span<const BatchToken> batch, KvCache& kv,
                                 ForwardState& state, ThreadPool* pool,
                                 OutputKind kind = OutputKind::kLogits) const;

  // A reranker's classification head on one pooled state [n_embd] (classifier.h): its outputs,
  // the first being the relevance logit. Throws Error for a model without such a head.
  virtual std::vector<float> classify(std::span<const float> pooled) const;

  // Drops `discard` cells of `seq` after the first `keep` and re-rotates the keys that move, so
  // generation continues at position length - discard (Ollama's context shift).
  void shift_context(KvCache& kv, int64_t seq, int32_t keep, int32_t discard,
                     ThreadPool* pool) const;

 protected:
  Model(std::shared_ptr<const GgufFile> file, ModelConfig config);

  // The layers: from state.ids / state.positions (filled) to the residual stream in state.x.
  // The default is the shared pre-norm decoder (decoder.cpp); an architecture whose layers
  // differ overrides it.
  virtual void forward_layers(std::span<const BatchToken> batch, KvCache& kv, ForwardState& state,
                              ThreadPool* pool) const;

  // Adds the shared decoder's tensors (embeddings, output, every layer; q/k/v biases and q/k
  // norms when asked) to `t`, targeting weights_. The architecture adds its own and binds.
  void bind_decoder_tensors(TensorTable& t, DecoderTensors extras);

  // Steps shared by the architectures' forward_layers().
  // The decoder's self-attention of `layer` from state.xb (the normed residual stream) to
  // state.xb2 [n, n_embd] = Wo · attention(rope(qn(Wq·xb + bq)), rope(kn(Wk·xb + bk)),
  // Wv·xb + bv), the batch's keys and values stored in `kv`. Biases and head norms are skipped
  // where the architecture has none; LongRoPE's magnitude factor applies where set.
  void self_attention(const LayerWeights& l, int64_t layer, std::span<const BatchToken> batch,
                      KvCache& kv, ForwardState& state, const Scratch& scratch,
                      ThreadPool* pool) const;
  // Writes k, v [n, kv_dim] of the batch's tokens into their cells of `layer`.
  static void store_kv(KvCache& kv, int64_t layer, std::span<const BatchToken> batch,
                       const float* k, const float* v);
  // state.att [n, q_dim] = attention of state.q over each token's cached cells of `layer`.
  void attend(const KvCache& kv, int64_t layer, std::span<const BatchToken> batch,
              ForwardState& state, ThreadPool* pool) const;
  // x[n, dim] += bias[dim] per row.
  static void add_bias(float* x, const std::vector<float>& bias, int64_t n, int64_t dim);
  // x[count] += y[count].
  static void add_in_place(float* x, const float* y, int64_t count);
  // x[count] += scale · y[count]; scale 0 means 1 (Granite's residual_scale when unset).
  static void add_scaled(float* x, const float* y, int64_t count, float scale);
  // x[count] *= scale.
  static void scale_in_place(float* x, int64_t count, float scale);
  // The first n_rot values of each head of x[n_heads, head_dim] × factor (LongRoPE's magnitude
  // factor, which llama.cpp folds into the rotation's cos and sin).
  void scale_rotated(float* x, int64_t n_heads, float factor) const;
  // x[n_heads, head_dim] = rmsnorm(x) · weight[head_dim], each head on its own, in place; nothing
  // when `weight` is empty (an architecture without q/k norms).
  void head_norm(float* x, const std::vector<float>& weight, int64_t n_heads,
                 ThreadPool* pool) const;

  // Layers of the KV cache: an encoder's one layer is reused by every layer.
  int64_t cache_layers() const { return config_.is_encoder ? 1 : config_.n_layer; }

  std::shared_ptr<const GgufFile> file_;
  ModelConfig config_;
  DecoderWeights weights_;

 private:
  void check_batch(std::span<const BatchToken> batch, const KvCache& kv,
                   const ForwardState& state) const;
};

// Rows [first, first + count) of `w`: a view of the same memory (rows are contiguous in every
// type), for splitting fused projections.
WeightView weight_rows(const WeightView& w, int64_t first, int64_t count);

// Loads the architecture named by general.architecture (see registry.cpp). Throws Error for an
// unknown architecture or a file that does not match it.
std::unique_ptr<Model> load_model(std::shared_ptr<const GgufFile> file);

}  // namespace slimllm
