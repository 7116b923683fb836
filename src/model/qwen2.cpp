// The qwen2 architecture (Qwen 2 / 2.5): llama's decoder plus biases on the q/k/v projections,
// with rotary embeddings in the NeoX layout (the two halves of a head form the pairs).
#include "model/architectures.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

class Qwen2Model final : public Model {
 public:
  Qwen2Model(std::shared_ptr<const GgufFile> file, ModelConfig config)
      : Model(std::move(file), std::move(config)) {
    config_.rope_neox = true;
    TensorTable t;
    bind_decoder_tensors(t, {.qkv_bias = true});
    weights_.tied_embeddings = !t.bind(*file_).empty();
  }
};

}  // namespace

std::unique_ptr<Model> load_qwen2(std::shared_ptr<const GgufFile> file) {
  ModelConfig config = read_model_config(*file, "qwen2");
  return std::make_unique<Qwen2Model>(std::move(file), std::move(config));
}

}  // namespace slimllm
