// The llama architecture (Llama 2/3/3.1/3.2, TinyLlama, SmolLM, Mistral-style): pre-norm decoder
// with RMSNorm, rotary embeddings (Llama 3 frequency scaling when the file asks), grouped-query
// attention and a SwiGLU feed-forward (the shared decoder of decoder.cpp).
#include "model/architectures.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

class LlamaModel final : public Model {
 public:
  LlamaModel(std::shared_ptr<const GgufFile> file, ModelConfig config)
      : Model(std::move(file), std::move(config)) {
    TensorTable t;
    bind_decoder_tensors(t, {});
    std::vector<float> rope_freqs;
    t.vector("rope_freqs.weight", config_.n_rot / 2, &rope_freqs, TensorNeed::kOptional);
    weights_.tied_embeddings = !t.bind(*file_).empty();
    // A rope_freqs tensor (Llama 3.1+) overrides factors computed from the scaling keys.
    if (!rope_freqs.empty()) config_.rope_factors = std::move(rope_freqs);
  }
};

}  // namespace

std::unique_ptr<Model> make_llama_model(std::shared_ptr<const GgufFile> file, ModelConfig config) {
  return std::make_unique<LlamaModel>(std::move(file), std::move(config));
}

std::unique_ptr<Model> load_llama(std::shared_ptr<const GgufFile> file) {
  ModelConfig config = read_model_config(*file, "llama");
  return make_llama_model(std::move(file), std::move(config));
}

}  // namespace slimllm
