#include "base/error.h"
#include "base/log.h"
#include "model/architectures.h"

namespace slimllm {

std::span<const Architecture> architectures() {
  static const Architecture kList[] = {
      {"llama", &load_llama},
      {"qwen2", &load_qwen2},
      {"bert", &load_bert},
      {"nomic-bert", &load_nomic_bert},
  };
  return kList;
}

std::unique_ptr<Model> load_model(std::shared_ptr<const GgufFile> file) {
  const std::string arch = file->require_string("general.architecture");
  for (const Architecture& a : architectures()) {
    if (a.name != arch) continue;
    std::unique_ptr<Model> model = a.load(file);
    const ModelConfig& c = model->config();
    log_debug("model loaded", {{"arch", arch},
                               {"layers", c.n_layer},
                               {"embd", c.n_embd},
                               {"heads", c.n_head},
                               {"kv_heads", c.n_head_kv},
                               {"vocab", c.n_vocab},
                               {"tied", model->weights().tied_embeddings},
                               {"encoder", c.is_encoder}});
    return model;
  }
  std::string known;
  for (const Architecture& a : architectures())
    known += (known.empty() ? "" : ", ") + std::string(a.name);
  fail("model file ", file->path(), " has architecture '", arch,
       "', which slimllm does not support (supported: ", known, ")");
}

}  // namespace slimllm
