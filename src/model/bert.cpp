// The bert architecture (all-MiniLM, bge, mxbai-embed-large, snowflake-arctic-embed): the
// post-norm encoder of encoder.cpp with absolute position embeddings, separate q/k/v projections
// with biases and a GELU feed-forward with biases.
#include "model/architectures.h"
#include "model/encoder.h"

namespace slimllm {

std::unique_ptr<Model> load_bert(std::shared_ptr<const GgufFile> file) {
  ModelConfig config = read_model_config(*file, "bert");
  config.is_encoder = true;
  config.causal = file->get_bool("bert.attention.causal", false);
  EncoderLayout layout;
  layout.absolute_positions = true;
  layout.fused_qkv = false;
  layout.gated_ffn = false;
  return std::make_unique<EncoderModel>(std::move(file), std::move(config), layout);
}

}  // namespace slimllm
