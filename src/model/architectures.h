// The architectures slimllm runs, one file each; registry.cpp lists them explicitly (static
// self-registration would be dropped by the linker from a static library).
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "model/model.h"

namespace slimllm {

struct Architecture {
  std::string_view name;  // general.architecture
  std::unique_ptr<Model> (*load)(std::shared_ptr<const GgufFile> file);
};

std::span<const Architecture> architectures();

std::unique_ptr<Model> load_llama(std::shared_ptr<const GgufFile> file);       // llama.cpp
std::unique_ptr<Model> load_qwen2(std::shared_ptr<const GgufFile> file);       // qwen2.cpp
std::unique_ptr<Model> load_bert(std::shared_ptr<const GgufFile> file);        // bert.cpp
std::unique_ptr<Model> load_nomic_bert(std::shared_ptr<const GgufFile> file);  // nomic_bert.cpp

}  // namespace slimllm
