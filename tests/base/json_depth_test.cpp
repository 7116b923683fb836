#include "base/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace slimllm {
namespace {

TEST(JsonDepth, CountsArraysAndObjectsInsideEachOther) {
  EXPECT_FALSE(json_nests_deeper_than("", 0));
  EXPECT_FALSE(json_nests_deeper_than("1", 0));
  EXPECT_TRUE(json_nests_deeper_than("[]", 0));
  EXPECT_FALSE(json_nests_deeper_than(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_TRUE(json_nests_deeper_than(R"({"a":[1,{"b":2}]})", 2));
  // Siblings do not add up.
  EXPECT_FALSE(json_nests_deeper_than("[[],[],[[]]]", 3));
}

TEST(JsonDepth, BracketsInStringsDoNotCount) {
  EXPECT_FALSE(json_nests_deeper_than(R"(["[[[[{{{{"])", 1));
  // An escaped quote does not end the string.
  EXPECT_FALSE(json_nests_deeper_than(R"(["\"[[[[", "\\"])", 1));
  EXPECT_TRUE(json_nests_deeper_than(R"(["\\", [[]]])", 2));
}

TEST(JsonDepth, ReportsWhereTheLimitIsPassed) {
  size_t at = 0;
  ASSERT_TRUE(json_nests_deeper_than(R"({"x":[[1]]})", 2, &at));
  EXPECT_EQ(at, 6u);
}

TEST(JsonDepth, HundredThousandLevelsAreFoundWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  size_t at = 0;
  EXPECT_TRUE(json_nests_deeper_than(deep, kMaxJsonDepth, &at));
  EXPECT_EQ(at, static_cast<size_t>(kMaxJsonDepth));
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_FALSE(json_nests_deeper_than(ok, kMaxJsonDepth));
}

}  // namespace
}  // namespace slimllm
