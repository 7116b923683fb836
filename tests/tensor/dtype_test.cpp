#include "tensor/dtype.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace slimllm {
namespace {

TEST(DType, TraitsOfEveryKnownIdNameTheirOwnType) {
  int known = 0;
  for (uint32_t id = 0; id < 1000; ++id) {
    std::optional<DTypeTraits> t = dtype_traits(id);
    if (!t) continue;
    ++known;
    EXPECT_EQ(static_cast<uint32_t>(t->type), id);
    EXPECT_EQ(traits(t->type).name, t->name);
    EXPECT_EQ(dtype_from_name(t->name), t->type);
  }
  EXPECT_EQ(known, 32);
}

TEST(DType, UnknownIdsHaveNoTraits) {
  for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 63u, 64u, 65u, 0xffffffffu}) {
    EXPECT_FALSE(dtype_traits(id).has_value()) << id;
    EXPECT_THROW(traits(static_cast<DType>(id)), Error) << id;
  }
}

TEST(DType, RowBytesFollowTheBlockLayout) {
  EXPECT_EQ(row_bytes(DType::kQ4_K, 2048), 8u * 144);
  EXPECT_EQ(row_bytes(DType::kQ8_0, 2048), 64u * 34);
  EXPECT_EQ(row_bytes(DType::kF16, 2048), 4096u);
  EXPECT_EQ(row_bytes(DType::kQ6_K, 11008), 43u * 210);
}

}  // namespace
}  // namespace slimllm
