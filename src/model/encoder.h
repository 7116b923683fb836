// The post-norm encoder the BERT family shares (bert, nomic-bert): embeddings (token + token type
// + absolute position) through a LayerNorm, then layers of bidirectional attention and a
// feed-forward, each added to its input and LayerNormed. What the architectures change — absolute
// positions or rotary, separate or fused q/k/v, a GELU or a SwiGLU feed-forward — is data in
// EncoderLayout, bound and run by one layer loop (encoder.cpp).
//
// Attention: a sequence comes whole in one batch, so every token attends every token of its own
// sequence in the batch (or the earlier ones, for a file that says attention.causal). The keys and
// values go through the caller's KvCache as for a decoder — the cells are how the attention kernel
// finds a sequence's tokens in a batch of several — but an encoder's cache has a single layer that
// every layer reuses: a layer's keys and values are dead once its attention ran, and nothing is
// kept between calls (make_cache() sizes it so).
#pragma once

#include <memory>
#include <vector>

#include "model/classifier.h"
#include "model/model.h"

namespace slimllm {

class TensorTable;

struct EncoderLayout {
  bool absolute_positions = true;  // position_embd.weight added to the embeddings (bert), else
                                   // rotary embeddings on q and k (nomic-bert)
  bool fused_qkv = false;          // one attn_qkv.weight [q_dim + 2·kv_dim, n_embd]
  bool gated_ffn = false;          // SwiGLU (ffn_gate, ffn_up, ffn_down), else GELU (up, down)
};

// What the encoder has beyond the decoder's tensors (which hold q/k/v/o, up/gate/down and the
// q/k/v biases; their norms stay empty). Optional tensors are empty when absent.
struct EncoderLayerWeights {
  std::vector<float> bo;                                // [n_embd]
  std::vector<float> attn_out_norm, attn_out_norm_b;    // [n_embd] ×2
  std::vector<float> b_up, b_down;                      // [n_ff] [n_embd]
  std::vector<float> layer_out_norm, layer_out_norm_b;  // [n_embd] ×2
};

struct EncoderWeights {
  WeightView position_embd;                   // [n_ctx_train, n_embd]; absolute positions only
  std::vector<float> token_type0;             // [n_embd]: row 0 of token_types.weight, or empty
  std::vector<float> embd_norm, embd_norm_b;  // [n_embd] ×2
  std::vector<EncoderLayerWeights> layers;    // [n_layer]
};

class EncoderModel final : public Model {
 public:
  // Binds the file's tensors for `layout`; throws Error naming a missing or mis-shaped tensor.
  EncoderModel(std::shared_ptr<const GgufFile> file, ModelConfig config, EncoderLayout layout);

  const EncoderWeights& encoder_weights() const { return encoder_; }
  std::vector<float> classify(std::span<const float> pooled) const override;

 protected:
  void forward_layers(std::span<const BatchToken> batch, KvCache& kv, ForwardState& state,
                      ThreadPool* pool) const override;

 private:
  EncoderLayout layout_;
  EncoderWeights encoder_;
  std::vector<WeightView> qkv_;  // [n_layer] fused attn_qkv, viewed as wq/wk/wv after binding
  std::vector<std::vector<float>> qkv_bias_;  // [n_layer] fused attn_qkv.bias, or empty
  ClassifierHead classifier_;                 // a reranker's head, or empty
};

}  // namespace slimllm
