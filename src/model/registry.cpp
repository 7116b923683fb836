#include "base/error.h"
#include "base/log.h"
#include "model/architectures.h"

namespace slimllm {

std::span<const Architecture> architectures() {
  static const Architecture kList[] = {
      {"llama", &load_llama}, {"qwen2", &load_qwen2},           {"qwen3", &load_qwen3},
      {"bert", &load_bert},   {"nomic-bert", &load_nomic_bert},
      {"gemma2", &load_gemma2}, {"gemma3", &load_gemma3, "gemma3.attention.sliding_window"},
      {"phi3", &load_phi3},   {"granite", &load_granite},
  };
  return kList;
}

const Architecture* find_architecture(std::string_view name) {
  for (const Architecture& a : architectures()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::string supported_architecture_names() {
  std::string names;
  for (const Architecture& a : architectures()) {
    names += (names.empty() ? "" : ", ") + std::string(a.name);
  }
  return names;
}

std::unique_ptr<Model> load_model(std::shared_ptr<const GgufFile> file) {
  const std::string arch = file->require_string("general.architecture");
  if (const Architecture* a = find_architecture(arch)) {
    std::unique_ptr<Model> model = a->load(file);
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
  fail("model file ", file->path(), " has architecture '", arch,
       "', which slimllm does not support (supported: ", supported_architecture_names(), ")");
}

}  // namespace slimllm
