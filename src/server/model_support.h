// Whether this server can run a model file: the check create and pull apply to the model layer
// (store/model_check.h), so a model of an architecture slimllm does not run is refused when it
// enters the store rather than at its first request.
#pragma once

#include "gguf/reader.h"

namespace slimllm {

// Throws StoreError kInvalid (400) naming the file's general.architecture and the architectures
// slimllm runs, when the architecture is missing or not one of them; and naming the key when the
// file lacks one its architecture cannot do without (gemma3's attention.sliding_window).
void check_model_supported(const GgufFile& gguf);

}  // namespace slimllm
