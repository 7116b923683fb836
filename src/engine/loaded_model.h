// A GGUF file loaded for inference: the file held in memory, the model's weights and its
// vocabulary.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/mapped_file.h"
#include "gguf/reader.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {

// How to hold a model file of `file_bytes` for inference, given the option use_mmap and the
// memory this process may use. true maps it; false reads it into memory; unset reads it, as
// Ollama does for a model on the CPU (its runner gets --no-mmap: ollama/ollama#17147), so a pod
// sized for Ollama holds the same memory, decode speed no longer depends on where the page cache
// holds the file, and a changed file cannot fault a running server (see MappedFile). Unless the
// file would take more than 3/4 of `memory`: then mapping lets the kernel page it rather than
// fail the load.
FileAccess weights_access(std::optional<bool> use_mmap, uint64_t file_bytes, uint64_t memory);
// The same for the file at `path` (its size now) and the memory this process may use.
FileAccess weights_access(const std::string& path, std::optional<bool> use_mmap);

struct LoadedModel {
  std::shared_ptr<const GgufFile> file;
  std::unique_ptr<Model> model;
  Tokenizer tokenizer;
  int64_t load_duration = 0;  // ns spent in load()

  // Maps or reads the file (weights_access, with `readers` threads), binds the weights and reads
  // the vocabulary. Throws Error naming the file.
  static LoadedModel load(const std::string& path, std::optional<bool> use_mmap = std::nullopt,
                          int readers = 1);
};

}  // namespace slimllm
