// The granite architecture (IBM Granite 3.x dense): llama's decoder with four multipliers, each
// applied where llama.cpp applies it: embeddings × granite.embedding_scale, each attention and
// feed-forward output × granite.residual_scale before it joins the residual stream, attention
// logits × granite.attention.scale (instead of 1/√head_dim), and the final logits ÷
// granite.logit_scale (the one the file must carry). The optional scales are off when absent.
#include "base/error.h"
#include "model/architectures.h"

namespace slimllm {
namespace {

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
  return make_llama_model(std::move(file), std::move(config));
}

}  // namespace slimllm
