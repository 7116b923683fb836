// Tensor element types, numbered as GGUF stores them (ggml's type ids), with the block layout of
// each: how many values a block holds and how many bytes it takes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace slimllm {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

struct DTypeTraits {
  DType type;
  std::string_view name;  // as llama.cpp and Ollama print it: "Q4_K", "F16", ...
  uint32_t block_size;    // values per block
  uint32_t block_bytes;   // bytes per block
  // True when slimllm can dequantize it (and so run models that use it).
  bool supported;
};

// Traits of a known type id, or nullopt for an id no GGUF writer uses.
std::optional<DTypeTraits> dtype_traits(uint32_t id);
// Traits of a type (always known).
const DTypeTraits& traits(DType type);
std::string_view dtype_name(DType type);
// Parses "q4_K", "Q8_0", "f16" (case-insensitive); nullopt when unknown.
std::optional<DType> dtype_from_name(std::string_view name);

// Bytes taken by one row of `elements` values; the caller has checked divisibility.
inline uint64_t row_bytes(DType type, uint64_t elements) {
  const DTypeTraits& t = traits(type);
  return elements / t.block_size * t.block_bytes;
}

// Values per block of the K-quants and of the 32-value quants.
inline constexpr int kQK = 256;
inline constexpr int kQ32 = 32;

}  // namespace slimllm
