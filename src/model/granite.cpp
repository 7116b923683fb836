// The granite architecture (IBM Granite 3.x dense): llama's decoder with four multipliers, each
// applied where llama.cpp applies it: embeddings × granite.embedding_scale, each attention and
// feed-forward output × granite.residual_scale before it joins the residual stream, attention
// logits × granite.attention.scale (instead of 1/√head_dim), and the final logits ÷
// granite.logit_scale (the one the file must carry). The optional scales are off when absent.
#include "base/error.h"
#include "model/architectures.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

class GraniteModel final : public Model {
 public:
  GraniteModel(std::shared_ptr<const GgufFile> file, ModelConfig config)
      : Model(std::move(file), std::move(config)) {
    TensorTable t;
    bind_decoder_tensors(t, {});
    std::vector<float> rope_freqs;
    t.vector("rope_freqs.weight", config_.n_rot / 2, &rope_freqs, TensorNeed::kOptional);
    weights_.tied_embeddings = !t.bind(*file_).empty();
    if (!rope_freqs.empty()) config_.rope_factors = std::move(rope_freqs);
  }
};

float scale(const GgufFile& file, const char* key, bool required) {
  if (required && !file.has(key)) {
    fail("model file ", file.path(), " has no ", key, ", which a granite model needs");
  }
  const double value = file.get_double(key, 0.0);
  if (required ? !(value > 0.0) : value < 0.0) {
    fail("model file ", file.path(), ": ", key, " = ", value, " is out of range");
  }
  return static_cast<float>(value);
}

}  // namespace

std::unique_ptr<Model> load_granite(std::shared_ptr<const GgufFile> file) {
  ModelConfig config = read_model_config(*file, "granite");
  config.embedding_scale = scale(*file, "granite.embedding_scale", false);
  config.residual_scale = scale(*file, "granite.residual_scale", false);
  config.attention_scale = scale(*file, "granite.attention.scale", false);
  config.logit_scale = scale(*file, "granite.logit_scale", true);
  return std::make_unique<GraniteModel>(std::move(file), std::move(config));
}

}  // namespace slimllm
