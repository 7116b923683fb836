// `quantize` of /api/create: rewrites an F32/F16 GGUF with its weight matrices in q8_0, q4_K_M
// or q4_K_S, choosing per-tensor types the way llama.cpp's presets do, with the tensor layer's
// reference quantizers. Metadata is copied; general.file_type records the preset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "gguf/reader.h"
#include "tensor/dtype.h"

namespace slimllm {

enum class QuantPreset { kF32, kF16, kQ8_0, kQ4_K_S, kQ4_K_M };

// "q4_K_M" etc., case-insensitive. Throws StoreError kInvalid with Ollama's message
// ("unsupported quantization type X - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0").
QuantPreset parse_quant_preset(const std::string& name);
// "Q4_K_M", as Ollama prints it in "quantizing F16 model to Q4_K_M".
std::string quant_preset_name(QuantPreset preset);
// The type the preset gives a tensor (F32 for the ones kept as they are: norms, biases, vectors).
// `layer`/`layers` are the block index and count (-1 when the name has none).
DType quant_tensor_type(QuantPreset preset, const GgufTensorInfo& tensor, int layer, int layers);

// Writes the quantized copy of `source` to `path`. Throws StoreError kInvalid ("quantization is
// only supported for F16 and F32 models") when a matrix is already quantized. `progress` gets the
// bytes of source tensor data done so far and the total.
void quantize_gguf(const GgufFile& source, QuantPreset preset, const std::string& path,
                   const std::function<void(uint64_t done, uint64_t total)>& progress = {});

}  // namespace slimllm
