// Generation options under Ollama's names (request `options`, Modelfile PARAMETER, `run
// --parameter`), with Ollama's defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/options.h"

namespace slimllm {

struct GenerateOptions {
  SamplerConfig sampling;
  int32_t num_ctx = 4096;        // load-time; capped at the model's context_length
  int32_t num_batch = 512;       // load-time: tokens per forward pass of the prompt
  int32_t num_thread = 0;        // load-time; 0 ⇒ the CPUs this process may use
  std::optional<bool> use_mmap;  // load-time; unset ⇒ weights_access() decides
  int32_t num_keep = 4;          // tokens kept at the start on context shift or truncation
  int32_t num_predict = -1;      // < 0 ⇒ until the end (capped at 10 × num_ctx)
  std::vector<std::string> stop;
  bool shift = true;  // shift the context when it fills, else stop with "length"
};

// Sets one option from its text form ("temperature", "0.7"). `stop` appends. Options Ollama
// removed but clients still send (mirostat, penalize_newline, ...) are accepted and ignored.
// Throws Error naming the key for an unknown key or a value of the wrong type.
void set_option(GenerateOptions& options, std::string_view key, std::string_view value);

// The option names set_option() accepts, for help texts and validation elsewhere.
const std::vector<std::string_view>& option_names();

}  // namespace slimllm
