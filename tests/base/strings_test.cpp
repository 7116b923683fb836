#include "base/strings.h"

#include <gtest/gtest.h>

#include "base/sha256.h"

namespace slimllm {

TEST(Strings, HumanBytesUsesDecimalUnits) {
  EXPECT_EQ(human_bytes(12), "12 B");
  EXPECT_EQ(human_bytes(1'300'000'000), "1.3 GB");
  EXPECT_EQ(human_bytes(2'019'000'000), "2.0 GB");
  EXPECT_EQ(human_bytes(512'000'000), "512 MB");
}

TEST(Strings, QuoteOnlyWhenNeeded) {
  EXPECT_EQ(quote_if_needed("plain"), "plain");
  EXPECT_EQ(quote_if_needed("two words"), "\"two words\"");
  EXPECT_EQ(quote_if_needed(""), "\"\"");
  EXPECT_EQ(quote_if_needed("a\"b"), "\"a\\\"b\"");
}

TEST(Strings, SplitKeepsEmptyParts) {
  auto parts = str_split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace slimllm
