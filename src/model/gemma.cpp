// The Gemma 2 and Gemma 3 (text) architectures: the shared decoder's tensors plus an RMSNorm after
// the attention and after the feed-forward (post_attention_norm, post_ffw_norm), embeddings scaled
// by √n_embd, a GELU-gated feed-forward (gelu(gate) ⊙ up, tanh form) and sliding-window attention
// on the local layers. The norm weights are used as the file stores them (llama.cpp's converter
// already folded Gemma's "1 +" into them).
//   gemma2: attention-logit and final-logit soft-capping, every other layer local (window 4096
//           unless the file says), one RoPE base for all layers.
//   gemma3: q/k head norms, 5 of every 6 layers local with their own RoPE base (10000, unscaled),
//           the global layers with the file's base and linear scaling.
// The facts (keys, defaults, the layer pattern, the 27B attention scale) are llama.cpp's.
#include <cmath>

#include "base/error.h"
#include "model/architectures.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

class GemmaModel final : public Model {
 public:
  GemmaModel(std::shared_ptr<const GgufFile> file, ModelConfig config, bool qk_norm,
             bool require_tied)
      : Model(std::move(file), std::move(config)) {
    config_.rope_neox = true;
    TensorTable t;
    bind_decoder_tensors(t, {.qk_norm = qk_norm});
    for (int64_t i = 0; i < config_.n_layer; ++i) {
      LayerWeights& l = weights_.layers[static_cast<size_t>(i)];
      t.vector(layer_tensor(i, "post_attention_norm.weight"), config_.n_embd, &l.attn_post_norm);
      t.vector(layer_tensor(i, "post_ffw_norm.weight"), config_.n_embd, &l.ffn_post_norm);
    }
    weights_.tied_embeddings = !t.bind(*file_).empty();
    // llama.cpp's gemma2 always reads its logits from the embedding; a file with an output matrix
    // of its own is not one it would load.
    if (require_tied && !weights_.tied_embeddings) {
      fail("model file ", file_->path(), ": ", config_.arch,
           " ties its output to token_embd.weight, but the file has an output.weight");
    }
  }

 protected:
  void forward_layers(std::span<const BatchToken> batch, KvCache& kv, ForwardState& s,
                      ThreadPool* pool) const override {
    const ModelConfig& c = config_;
    const int64_t n = static_cast<int64_t>(batch.size());
    const Scratch scratch = s.matmul_scratch();

    // x[n, n_embd] = embeddings of the tokens · √n_embd
    get_rows(weights_.token_embd, s.ids.data(), n, s.x.data());
    scale_in_place(s.x.data(), n * c.n_embd, c.embedding_scale);
    for (int64_t i = 0; i < c.n_layer; ++i) {
      const LayerWeights& l = weights_.layers[static_cast<size_t>(i)];

      // Attention: x += post_norm(Wo · attention(...)) of xb = rmsnorm(x) (self_attention, with
      // q/k norms and no biases); attend() applies the layer's window, scale and soft cap.
      rms_norm(s.x.data(), l.attn_norm.data(), n, c.n_embd, c.norm_eps, s.xb.data(), pool);
      self_attention(l, i, batch, kv, s, scratch, pool);  // xb2[n, n_embd]
      rms_norm(s.xb2.data(), l.attn_post_norm.data(), n, c.n_embd, c.norm_eps, s.xb2.data(), pool);
      add_in_place(s.x.data(), s.xb2.data(), n * c.n_embd);

      // Feed-forward: x += post_norm(W_down · (gelu(W_gate·xb) ⊙ W_up·xb)), xb = rmsnorm(x)
      rms_norm(s.x.data(), l.ffn_norm.data(), n, c.n_embd, c.norm_eps, s.xb.data(), pool);
      const MatmulOut gate_up[] = {{&l.w_gate, s.hb.data()}, {&l.w_up, s.hb2.data()}};
      matmul_many(gate_up, s.xb.data(), n, scratch, pool);
      gelu_mul(s.hb.data(), s.hb2.data(), s.hb.data(), n * c.n_ff, pool);
      matmul(l.w_down, s.hb.data(), n, s.xb2.data(), scratch, pool);  // xb2[n, n_embd]
      rms_norm(s.xb2.data(), l.ffn_post_norm.data(), n, c.n_embd, c.norm_eps, s.xb2.data(), pool);
      add_in_place(s.x.data(), s.xb2.data(), n * c.n_embd);
    }
  }
};

// What Gemma 2 and 3 share: the embedding scale, the sliding window, and llama.cpp's attention
// scale (1/√head_dim, but 1/√(n_embd/n_head) for the 27B models, told apart by their layer count).
void read_gemma_common(const GgufFile& file, ModelConfig& c, int64_t layers_27b) {
  c.embedding_scale = std::sqrt(static_cast<float>(c.n_embd));
  c.attention_scale = c.n_layer == layers_27b
                          ? 1.0f / std::sqrt(static_cast<float>(c.n_embd / c.n_head))
                          : 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  const int64_t window = file.get_int(c.arch + ".attention.sliding_window", c.sliding_window);
  if (window <= 0 || window > (int64_t{1} << 24)) {
    fail("model file ", file.path(), ": ", c.arch, ".attention.sliding_window = ", window,
         " is out of range");
  }
  c.sliding_window = static_cast<int32_t>(window);
}

}  // namespace

std::unique_ptr<Model> load_gemma2(std::shared_ptr<const GgufFile> file) {
  ModelConfig c = read_model_config(*file, "gemma2");
  c.sliding_window = 4096;  // Gemma 2's, when the file does not say
  c.swa_pattern = 2;
  read_gemma_common(*file, c, 46);
  // Gemma 2 rotates its local layers as its global ones.
  c.rope_freq_base_swa = c.rope_freq_base;
  c.rope_freq_scale_swa = c.rope_freq_scale;
  c.attn_softcap = static_cast<float>(file->get_double("gemma2.attn_logit_softcapping", 50.0));
  c.final_softcap = static_cast<float>(file->get_double("gemma2.final_logit_softcapping", 30.0));
  if (!(c.attn_softcap > 0) || !(c.final_softcap > 0)) {
    fail("model file ", file->path(), ": gemma2 soft-capping values must be positive");
  }
  return std::make_unique<GemmaModel>(std::move(file), std::move(c), false, true);
}

std::unique_ptr<Model> load_gemma3(std::shared_ptr<const GgufFile> file) {
  ModelConfig c = read_model_config(*file, "gemma3");
  if (!file->has("gemma3.attention.sliding_window")) {
    fail("model file ", file->path(),
         ": gemma3 without gemma3.attention.sliding_window is not supported");
  }
  c.swa_pattern = 6;
  read_gemma_common(*file, c, 62);
  c.rope_freq_base_swa = 10000.0f;
  c.rope_freq_scale_swa = 1.0f;
  return std::make_unique<GemmaModel>(std::move(file), std::move(c), true, false);
}

}  // namespace slimllm
