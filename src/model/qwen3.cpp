// The qwen3 architecture (Qwen 3 dense: 0.6B to 32B): qwen2's decoder without the q/k/v biases,
// with a per-head RMSNorm of q and k before the NeoX rotation, and a head size of its own
// (attention.key_length: 0.6B has 16 heads of 128 over a 1024-wide stream).
#include "model/architectures.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

class Qwen3Model final : public Model {
 public:
  Qwen3Model(std::shared_ptr<const GgufFile> file, ModelConfig config)
      : Model(std::move(file), std::move(config)) {
    config_.rope_neox = true;
    TensorTable t;
    bind_decoder_tensors(t, {.qk_norm = true});
    weights_.tied_embeddings = !t.bind(*file_).empty();
  }
};

}  // namespace

std::unique_ptr<Model> load_qwen3(std::shared_ptr<const GgufFile> file) {
  ModelConfig config = read_model_config(*file, "qwen3");
  return std::make_unique<Qwen3Model>(std::move(file), std::move(config));
}

}  // namespace slimllm
