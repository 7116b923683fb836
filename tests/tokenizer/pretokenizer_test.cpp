// Word splits of the pre-tokenizers, worked out by hand from the published patterns.
#include "tokenizer/pretokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"

namespace slimllm {
namespace {

std::vector<std::string> words(std::string_view pre, std::string_view text) {
  Pretokenizer pretokenizer(pre);
  std::vector<std::string> out;
  for (const TextSpan& span : pretokenizer.split(text))
    out.emplace_back(text.substr(span.begin, span.end - span.begin));
  return out;
}

TEST(Pretokenizer, Llama3) {
  EXPECT_THAT(words("llama-bpe", "Hello world  123456 don't"),
              ::testing::ElementsAre("Hello", " world", " ", " ", "123", "456", " don", "'t"));
  EXPECT_THAT(words("llama-bpe", "x\n\n  y"), ::testing::ElementsAre("x", "\n\n", " ", " y"));
}

TEST(Pretokenizer, Qwen2SplitsDigitsOneByOne) {
  EXPECT_THAT(words("qwen2", "v1234 I'LL"),
              ::testing::ElementsAre("v", "1", "2", "3", "4", " I", "'LL"));
}

TEST(Pretokenizer, Gpt2) {
  EXPECT_THAT(words("gpt-2", "Hi!! it's 42"),
              ::testing::ElementsAre("Hi", "!!", " it", "'s", " 42"));
}

TEST(Pretokenizer, NextLineIsWhitespace) {
  // U+0085 has the Unicode White_Space property, as the reference regex engines treat it.
  // Were it punctuation, the two would form one word "\x85\x85".
  EXPECT_THAT(words("llama-bpe",
                    "a\xC2\x85\xC2\x85"
                    "b"),
              ::testing::ElementsAre("a", "\xC2\x85",
                                     "\xC2\x85"
                                     "b"));
}

TEST(Pretokenizer, InvalidUtf8StaysInTheWords) {
  std::string text = "ab\xFF\xFE cd\xE4";
  std::string joined;
  for (const std::string& w : words("qwen2", text)) joined += w;
  EXPECT_EQ(joined, text);
}

TEST(Pretokenizer, UnknownNameIsAnError) {
  try {
    Pretokenizer pretokenizer("no-such-pre");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'no-such-pre'"));
  }
}

}  // namespace
}  // namespace slimllm
