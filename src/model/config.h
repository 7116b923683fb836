// Hyperparameters of a transformer (a decoder, or an encoder of the BERT family), read once from
// the `<arch>.*` GGUF keys. Every architecture fills this one struct; code branches on its fields,
// never on the architecture name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "kernels/kernels.h"

namespace slimllm {

// How an embedding model says its per-token hidden states are pooled into one vector:
// `<arch>.pooling_type`, in llama.cpp's numbering (the values are the file's).
enum class PoolingType : int32_t { kNone = 0, kMean = 1, kCls = 2, kLast = 3, kRank = 4 };

struct ModelConfig {
  std::string arch;
  std::string name;  // general.name, for logs
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ff = 0;
  // attention.layer_norm_rms_epsilon (decoders' RMSNorm) or attention.layer_norm_epsilon
  // (encoders' LayerNorm).
  float norm_eps = 1e-5f;

  // An encoder (bert, nomic-bert) has no LM head: forward() returns per-token hidden states only,
  // and every sequence must come whole in one batch (it keeps nothing between calls).
  bool is_encoder = false;
  // attention.causal: a token sees only earlier positions. Decoders are causal; the BERT family is
  // not (every token of a sequence sees the whole sequence).
  bool causal = true;
  // pooling_type: kNone when the file does not say (every decoder).
  PoolingType pooling_type = PoolingType::kNone;
  // tokenizer.ggml.token_type_count: rows of an encoder's token_types.weight (0: none).
  int64_t n_token_types = 0;

  // Rotary embedding. `rope_factors` (Llama 3 frequency scaling) is filled from the
  // rope_freqs.weight tensor, or computed from the rope.scaling.* keys; empty when unused.
  int64_t n_rot = 0;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;
  bool rope_neox = false;
  std::vector<float> rope_factors;
  // LongRoPE (phi3): `rope_factors` holds the short factors (rope_factors_short.weight), these the
  // long ones (rope_factors_long.weight), used when a sequence's context exceeds
  // rope.scaling.original_context_length, as llama.cpp chooses them. `rope_attn_factor`
  // (rope.scaling.attn_factor) multiplies the rotated dimensions of q and k, either way.
  std::vector<float> rope_factors_long;
  int64_t rope_original_context = 0;
  float rope_attn_factor = 1.0f;

  // Multipliers (0: none): embeddings × embedding_scale (Granite's key; Gemma's √n_embd), each
  // sub-layer's output × residual_scale before it joins the residual stream (Granite), attention
  // logits × attention_scale instead of 1/√head_dim (Granite's key; Gemma's 27B rule), final
  // logits ÷ logit_scale (Granite).
  float embedding_scale = 0.0f;
  float residual_scale = 0.0f;
  float attention_scale = 0.0f;
  float logit_scale = 0.0f;

  // Soft caps (Gemma 2): scores and final logits bent into cap·tanh(x / cap); 0: none.
  float attn_softcap = 0;
  float final_softcap = 0;
  // Sliding-window attention (llama.cpp's standard SWA): on a local layer a token sees only the
  // last `sliding_window` positions up to its own. Layer i is local when
  // i % swa_pattern < swa_pattern - 1 (Gemma 2: every other layer, Gemma 3: 5 of every 6), and
  // rotates with the local base and scale; 0: no sliding window.
  int32_t sliding_window = 0;
  int32_t swa_pattern = 0;
  float rope_freq_base_swa = 10000.0f;
  float rope_freq_scale_swa = 1.0f;

  bool is_swa_layer(int64_t layer) const {
    return sliding_window > 0 && swa_pattern > 0 && layer % swa_pattern < swa_pattern - 1;
  }

  int64_t q_dim() const { return n_head * head_dim; }
  int64_t kv_dim() const { return n_head_kv * head_dim; }
  RopeParams rope() const {
    RopeParams p;
    p.n_rot = static_cast<int>(n_rot);
    p.freq_base = rope_freq_base;
    p.freq_scale = rope_freq_scale;
    p.freq_factors = rope_factors.empty() ? nullptr : rope_factors.data();
    p.neox = rope_neox;
    return p;
  }
  // The rotation of one layer for sequences of up to n_ctx positions: LongRoPE's long factors
  // beyond the original context, and a sliding-window layer's own base and scale where it has
  // them.
  bool uses_long_factors(int64_t n_ctx) const {
    return !rope_factors_long.empty() && n_ctx > rope_original_context;
  }
  RopeParams rope(int64_t layer, int64_t n_ctx) const {
    RopeParams p = rope();
    if (uses_long_factors(n_ctx)) {
      p.freq_factors = rope_factors_long.data();
    }
    if (is_swa_layer(layer)) {
      p.freq_base = rope_freq_base_swa;
      p.freq_scale = rope_freq_scale_swa;
    }
    return p;
  }
};

// Reads the hyperparameters of `arch` from the file's metadata and checks them for consistency.
// Throws Error naming the file and the key that is missing or out of range.
ModelConfig read_model_config(const GgufFile& file, const std::string& arch);

// The Llama 3.1 frequency divisors for `rope.scaling.type = llama3` (when the file carries no
// rope_freqs tensor): [n_rot/2].
std::vector<float> llama3_rope_factors(int64_t n_rot, float freq_base, float factor,
                                       float low_freq_factor, float high_freq_factor,
                                       float original_context);

}  // namespace slimllm
