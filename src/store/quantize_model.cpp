#include "store/quantize_model.h"

#include <atomic>
#include <vector>

#include "base/strings.h"
#include "gguf/writer.h"
#include "store/store_error.h"
#include "tensor/dequantize.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

// llama.cpp's LLAMA_FTYPE_MOSTLY_* ids, stored as general.file_type.
uint32_t file_type_id(QuantPreset preset) {
  switch (preset) {
    case QuantPreset::kF32:
      return 0;
    case QuantPreset::kF16:
      return 1;
    case QuantPreset::kQ8_0:
      return 7;
    case QuantPreset::kQ4_K_S:
      return 14;
    case QuantPreset::kQ4_K_M:
      return 15;
  }
  return 0;
}

// The block index in "blk.<n>.<...>", or -1.
int block_index(const std::string& name) {
  if (!str_starts_with(name, "blk.")) return -1;
  size_t end = name.find('.', 4);
  if (end == std::string::npos) return -1;
  int n = 0;
  for (size_t i = 4; i < end; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    n = n * 10 + (name[i] - '0');
    if (n > 1000000) return -1;
  }
  return n;
}

// llama.cpp's use_more_bits: the first and last eighth of the layers, and every third between.
bool more_bits(int layer, int layers) {
  return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

// When a row does not split into blocks of `type`, llama.cpp falls back to a 32-value type of
// similar size, and to F16 when even that does not fit.
DType fit_rows(DType type, uint64_t row) {
  if (row % traits(type).block_size == 0) return type;
  DType fallback = type;
  switch (type) {
    case DType::kQ4_K:
      fallback = DType::kQ5_0;
      break;
    case DType::kQ5_K:
      fallback = DType::kQ5_1;
      break;
    case DType::kQ6_K:
      fallback = DType::kQ8_0;
      break;
    default:
      break;
  }
  if (fallback != type && row % traits(fallback).block_size == 0) return fallback;
  return DType::kF16;
}

}  // namespace

QuantPreset parse_quant_preset(const std::string& name) {
  std::string q = str_lower(name);
  if (q == "f32") return QuantPreset::kF32;
  if (q == "f16") return QuantPreset::kF16;
  if (q == "q8_0") return QuantPreset::kQ8_0;
  if (q == "q4_k_s") return QuantPreset::kQ4_K_S;
  if (q == "q4_k_m") return QuantPreset::kQ4_K_M;
  fail_invalid(str_cat("unsupported quantization type ", name,
                       " - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0"));
}

std::string quant_preset_name(QuantPreset preset) {
  switch (preset) {
    case QuantPreset::kF32:
      return "F32";
    case QuantPreset::kF16:
      return "F16";
    case QuantPreset::kQ8_0:
      return "Q8_0";
    case QuantPreset::kQ4_K_S:
      return "Q4_K_S";
    case QuantPreset::kQ4_K_M:
      return "Q4_K_M";
  }
  return "";
}

DType quant_tensor_type(QuantPreset preset, const GgufTensorInfo& tensor, int layer, int layers) {
  // Vectors (norms, biases) keep full precision, as in llama.cpp.
  if (tensor.shape.size() < 2 || !str_ends_with(tensor.name, ".weight")) return DType::kF32;
  DType type = DType::kF32;
  const std::string& n = tensor.name;
  switch (preset) {
    case QuantPreset::kF32:
      return DType::kF32;
    case QuantPreset::kF16:
      type = DType::kF16;
      break;
    case QuantPreset::kQ8_0:
      type = DType::kQ8_0;
      break;
    case QuantPreset::kQ4_K_S:
    case QuantPreset::kQ4_K_M: {
      bool m = preset == QuantPreset::kQ4_K_M;
      type = DType::kQ4_K;
      if (n == "output.weight") {
        type = DType::kQ6_K;
      } else if (str_ends_with(n, "attn_v.weight")) {
        if (m && layer >= 0 && more_bits(layer, layers)) type = DType::kQ6_K;
        if (!m && layer >= 0 && layer < 4) type = DType::kQ5_K;
      } else if (str_ends_with(n, "ffn_down.weight")) {
        if (m && layer >= 0 && more_bits(layer, layers)) type = DType::kQ6_K;
        if (!m && layer >= 0 && layer < layers / 8) type = DType::kQ5_K;
      }
      break;
    }
  }
  return fit_rows(type, tensor.shape[0]);
}

void quantize_gguf(const GgufFile& source, QuantPreset preset, const std::string& path,
                   const std::function<void(uint64_t, uint64_t)>& progress) {
  uint64_t total = 0;
  int layers = 0;
  for (const GgufTensorInfo& t : source.tensors()) {
    bool matrix = t.shape.size() >= 2;
    if (matrix && t.type != DType::kF32 && t.type != DType::kF16) {
      fail_invalid("quantization is only supported for F16 and F32 models");
    }
    total += t.bytes;
    layers = std::max(layers, block_index(t.name) + 1);
  }
  GgufWriter writer(source.alignment());
  for (const GgufKeyValue& kv : source.metadata()) writer.set_value(kv.key, kv.value);
  writer.set_uint32("general.file_type", file_type_id(preset));
  writer.set_uint32("general.quantization_version", 2);

  auto done = std::make_shared<std::atomic<uint64_t>>(0);
  for (const GgufTensorInfo& t : source.tensors()) {
    int layer = block_index(t.name);
    DType target = quant_tensor_type(preset, t, layer, layers);
    // A vector stored as F16 stays F16 (a type change would gain nothing).
    if (t.shape.size() < 2) target = t.type;
    const GgufTensorInfo* info = &t;
    writer.add_tensor(t.name, target, t.shape,
                      [info, target, done, total, &progress](uint8_t* dst, size_t bytes) {
                        uint64_t row = info->shape[0];
                        uint64_t rows = info->elements / row;
                        uint64_t in_row_bytes = info->bytes / rows;
                        uint64_t out_row_bytes = row_bytes(target, row);
                        std::vector<float> values(row);
                        for (uint64_t r = 0; r < rows; ++r) {
                          dequantize(info->type, info->data + r * in_row_bytes, values.data(), row);
                          quantize(target, values.data(), dst + r * out_row_bytes, row);
                        }
                        (void)bytes;
                        *done += info->bytes;
                        if (progress) progress(done->load(), total);
                      });
  }
  writer.write(path);
}

}  // namespace slimllm
