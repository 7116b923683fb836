// Standard base64 as Go's encoding/json decodes a []byte: the offsets its errors name.
#include "api/base64_check.h"

#include <gtest/gtest.h>

#include "api/api_error.h"

namespace slimllm::api {
namespace {

TEST(Base64Check, AcceptsWhatGoDecodes) {
  for (const char* ok : {"", "aGk=", "aGVsbG8=", "aGVsbG8h", "YQ==", "aGVs\r\nbG8=", "YQ=\n="}) {
    EXPECT_EQ(base64_error_offset(ok), std::nullopt) << ok;
  }
}

TEST(Base64Check, NamesTheOffsetGoNames) {
  EXPECT_EQ(base64_error_offset("aGVsbG8"), 4u);  // the quantum cut short
  EXPECT_EQ(base64_error_offset("a"), 0u);
  EXPECT_EQ(base64_error_offset("aGV!"), 3u);      // outside the alphabet
  EXPECT_EQ(base64_error_offset("aGk=aGk="), 4u);  // data after the padding
  EXPECT_EQ(base64_error_offset("a==="), 1u);      // padding in the second place
  EXPECT_EQ(base64_error_offset("YQ="), 3u);       // "==" needed, input ends
  EXPECT_EQ(base64_error_offset("YQ=x"), 2u);      // "==" needed, something else follows
  EXPECT_EQ(base64_error_offset("aGk-"), 3u);      // the URL alphabet is not standard
}

TEST(Base64Check, RefusesWithGosText) {
  try {
    check_base64("data:image/png;base64,aGk=");
    FAIL() << "accepted a data URI";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_STREQ(e.what(), "illegal base64 data at input byte 4");
  }
}

}  // namespace
}  // namespace slimllm::api
