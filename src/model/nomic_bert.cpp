// The nomic-bert architecture (nomic-embed-text): the post-norm encoder of encoder.cpp with rotary
// position embeddings in the NeoX layout instead of a position table, one fused q/k/v projection
// (attn_qkv) and a SwiGLU feed-forward.
#include "model/architectures.h"
#include "model/encoder.h"

namespace slimllm {

std::unique_ptr<Model> load_nomic_bert(std::shared_ptr<const GgufFile> file) {
  ModelConfig config = read_model_config(*file, "nomic-bert");
  config.is_encoder = true;
  config.causal = file->get_bool("nomic-bert.attention.causal", false);
  config.rope_neox = true;
  EncoderLayout layout;
  layout.absolute_positions = false;
  layout.fused_qkv = true;
  layout.gated_ffn = true;
  return std::make_unique<EncoderModel>(std::move(file), std::move(config), layout);
}

}  // namespace slimllm
