// A check of a model's GGUF that the layers above the store supply, since the store itself knows
// no architectures: create and pull call it on the model layer before they write the manifest, so
// a file the server could not run is refused then (it throws StoreError kInvalid: 400), not at
// the first request.
#pragma once

#include <functional>

#include "gguf/reader.h"

namespace slimllm {

using ModelFileCheck = std::function<void(const GgufFile&)>;

}  // namespace slimllm
