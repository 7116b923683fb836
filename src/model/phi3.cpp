// The phi3 architecture (Phi-3/3.5-mini, Phi-4-mini): the shared pre-norm decoder with NeoX
// rotations, whose q/k/v projections come fused in one attn_qkv matrix (rows q, then k, then v)
// and whose gate and up projections come fused in ffn_up (rows: the gate's n_ff, then the up's
// n_ff; llama.cpp's SwiGLU of the halves). Both are split into row views, so the decoder runs
// them as separate matrices at no cost. Files with separate attn_q/k/v load too.
//
// Rotary: rope.dimension_count may be below the head size (Phi-4-mini rotates 96 of 128), and
// LongRoPE files carry rope_factors_short/long.weight ([n_rot/2], shared by all layers) and
// rope.scaling.attn_factor: llama.cpp takes the long factors when the context of a sequence
// exceeds rope.scaling.original_context_length, else the short ones, and multiplies the rotated
// dimensions by the factor in both cases (ModelConfig::rope, the decoder).
//
// phi3.attention.sliding_window is ignored: llama.cpp disables Phi's sliding window (it attends
// to the whole context), and slimllm does the same to give the same answers.
#include "model/architectures.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

class Phi3Model final : public Model {
 public:
  Phi3Model(std::shared_ptr<const GgufFile> file, ModelConfig config)
      : Model(std::move(file), std::move(config)) {
    config_.rope_neox = true;
    const ModelConfig& c = config_;
    const bool fused_qkv = file_->find_tensor("blk.0.attn_qkv.weight") != nullptr;
    TensorTable t;
    bind_decoder_tensors(t, {.fused_qkv = fused_qkv, .fused_gate_up = true});
    std::vector<WeightView> qkv(static_cast<size_t>(c.n_layer));
    std::vector<WeightView> gate_up(static_cast<size_t>(c.n_layer));
    for (int64_t i = 0; i < c.n_layer; ++i) {
      if (fused_qkv) {
        t.matrix(layer_tensor(i, "attn_qkv.weight"), c.n_embd, c.q_dim() + 2 * c.kv_dim(),
                 &qkv[static_cast<size_t>(i)]);
      }
      t.matrix(layer_tensor(i, "ffn_up.weight"), c.n_embd, 2 * c.n_ff,
               &gate_up[static_cast<size_t>(i)]);
    }
    std::vector<float> short_factors;
    t.vector("rope_factors_short.weight", c.n_rot / 2, &short_factors, TensorNeed::kOptional);
    t.vector("rope_factors_long.weight", c.n_rot / 2, &config_.rope_factors_long,
             TensorNeed::kOptional);
    weights_.tied_embeddings = !t.bind(*file_).empty();
    for (int64_t i = 0; i < c.n_layer; ++i) {
      LayerWeights& l = weights_.layers[static_cast<size_t>(i)];
      if (fused_qkv) {
        const WeightView& w = qkv[static_cast<size_t>(i)];
        l.wq = weight_rows(w, 0, c.q_dim());
        l.wk = weight_rows(w, c.q_dim(), c.kv_dim());
        l.wv = weight_rows(w, c.q_dim() + c.kv_dim(), c.kv_dim());
      }
      const WeightView& w = gate_up[static_cast<size_t>(i)];
      l.w_gate = weight_rows(w, 0, c.n_ff);
      l.w_up = weight_rows(w, c.n_ff, c.n_ff);
    }
    // Short factors apply up to the original context (and whenever there are no long ones).
    if (!short_factors.empty()) config_.rope_factors = std::move(short_factors);
  }
};

}  // namespace

std::unique_ptr<Model> load_phi3(std::shared_ptr<const GgufFile> file) {
  ModelConfig config = read_model_config(*file, "phi3");
  return std::make_unique<Phi3Model>(std::move(file), std::move(config));
}

}  // namespace slimllm
