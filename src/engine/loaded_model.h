// A GGUF file loaded for inference: the mapping, the model's weights and its vocabulary.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gguf/reader.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {

struct LoadedModel {
  std::shared_ptr<const GgufFile> file;
  std::unique_ptr<Model> model;
  Tokenizer tokenizer;
  int64_t load_duration = 0;  // ns spent in load()

  // Maps the file, binds the weights and reads the vocabulary. Throws Error naming the file.
  static LoadedModel load(const std::string& path);
};

}  // namespace slimllm
