#include "tensor/dtype.h"

#include <array>

#include "base/error.h"
#include "base/strings.h"

namespace slimllm {
namespace {

constexpr DTypeTraits kTypes[] = {
    {DType::kF32, "F32", 1, 4, true},         {DType::kF16, "F16", 1, 2, true},
    {DType::kQ4_0, "Q4_0", 32, 18, true},     {DType::kQ4_1, "Q4_1", 32, 20, true},
    {DType::kQ5_0, "Q5_0", 32, 22, true},     {DType::kQ5_1, "Q5_1", 32, 24, true},
    {DType::kQ8_0, "Q8_0", 32, 34, true},     {DType::kQ8_1, "Q8_1", 32, 36, false},
    {DType::kQ2_K, "Q2_K", 256, 84, true},    {DType::kQ3_K, "Q3_K", 256, 110, true},
    {DType::kQ4_K, "Q4_K", 256, 144, true},   {DType::kQ5_K, "Q5_K", 256, 176, true},
    {DType::kQ6_K, "Q6_K", 256, 210, true},   {DType::kQ8_K, "Q8_K", 256, 292, true},
    {DType::kIQ2_XXS, "IQ2_XXS", 256, 66, false}, {DType::kIQ2_XS, "IQ2_XS", 256, 74, false},
    {DType::kIQ3_XXS, "IQ3_XXS", 256, 98, false}, {DType::kIQ1_S, "IQ1_S", 256, 50, false},
    {DType::kIQ4_NL, "IQ4_NL", 32, 18, false},    {DType::kIQ3_S, "IQ3_S", 256, 110, false},
    {DType::kIQ2_S, "IQ2_S", 256, 82, false},     {DType::kIQ4_XS, "IQ4_XS", 256, 136, false},
    {DType::kI8, "I8", 1, 1, false},          {DType::kI16, "I16", 1, 2, false},
    {DType::kI32, "I32", 1, 4, false},        {DType::kI64, "I64", 1, 8, false},
    {DType::kF64, "F64", 1, 8, false},        {DType::kIQ1_M, "IQ1_M", 256, 56, false},
    {DType::kBF16, "BF16", 1, 2, true},       {DType::kTQ1_0, "TQ1_0", 256, 54, false},
    {DType::kTQ2_0, "TQ2_0", 256, 66, false}, {DType::kMXFP4, "MXFP4", 32, 17, false},
};

// Position of each type id in kTypes (-1: no such type), so traits() is one indexed load: the
// kernels reach it for every row they address (WeightView::row), and a search of kTypes there
// took about 1% of decode time.
constexpr uint32_t kMaxId = 64;
constexpr auto kIndexById = [] {
  std::array<int8_t, kMaxId> index{};
  index.fill(-1);
  for (size_t i = 0; i < std::size(kTypes); ++i)
    index[static_cast<uint32_t>(kTypes[i].type)] = static_cast<int8_t>(i);
  return index;
}();

}  // namespace

std::optional<DTypeTraits> dtype_traits(uint32_t id) {
  if (id >= kMaxId || kIndexById[id] < 0) return std::nullopt;
  return kTypes[kIndexById[id]];
}

const DTypeTraits& traits(DType type) {
  const auto id = static_cast<uint32_t>(type);
  if (id >= kMaxId || kIndexById[id] < 0) fail("unknown tensor type id ", id);
  return kTypes[kIndexById[id]];
}

std::string_view dtype_name(DType type) {
  return traits(type).name;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  std::string lower = str_lower(name);
  for (const DTypeTraits& t : kTypes) {
    if (str_lower(t.name) == lower) return t.type;
  }
  return std::nullopt;
}

}  // namespace slimllm
