// The architectures slimllm runs, one file each; registry.cpp lists them explicitly (static
// self-registration would be dropped by the linker from a static library).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "model/model.h"

namespace slimllm {

struct Architecture {
  std::string_view name;  // general.architecture
  std::unique_ptr<Model> (*load)(std::shared_ptr<const GgufFile> file);
  // A header key the loader cannot do without and has no default for, or empty: create and pull
  // check it (server/model_support.h) so such a file is refused before it is stored.
  std::string_view required_key = {};
};

std::span<const Architecture> architectures();
// The entry named `name` (general.architecture), or null when slimllm does not run it.
const Architecture* find_architecture(std::string_view name);
// "llama, qwen2, ...": the names of architectures(), for messages.
std::string supported_architecture_names();

std::unique_ptr<Model> load_llama(std::shared_ptr<const GgufFile> file);  // llama.cpp
// Llama's tensors over `config` (architectures that are llama with other hyperparameters).
std::unique_ptr<Model> make_llama_model(std::shared_ptr<const GgufFile> file, ModelConfig config);
std::unique_ptr<Model> load_qwen2(std::shared_ptr<const GgufFile> file);       // qwen2.cpp
std::unique_ptr<Model> load_qwen3(std::shared_ptr<const GgufFile> file);       // qwen3.cpp
std::unique_ptr<Model> load_gemma2(std::shared_ptr<const GgufFile> file);      // gemma.cpp
std::unique_ptr<Model> load_gemma3(std::shared_ptr<const GgufFile> file);      // gemma.cpp
std::unique_ptr<Model> load_phi3(std::shared_ptr<const GgufFile> file);        // phi3.cpp
std::unique_ptr<Model> load_granite(std::shared_ptr<const GgufFile> file);     // granite.cpp
std::unique_ptr<Model> load_bert(std::shared_ptr<const GgufFile> file);        // bert.cpp
std::unique_ptr<Model> load_nomic_bert(std::shared_ptr<const GgufFile> file);  // nomic_bert.cpp

}  // namespace slimllm
