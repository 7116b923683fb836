// stories260K: a real trained SentencePiece vocabulary, checked against llama.cpp's prompt ids
// and its streamed generations (testdata/expected/stories260K-*.json).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

using testing::stories_tokenizer;

TEST(StoriesTokenizer, OnceUponATime) {
  EXPECT_EQ(stories_tokenizer().encode("Once upon a time", true, false),
            (std::vector<int32_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(stories_tokenizer().encode("Once upon a time", false, false),
            (std::vector<int32_t>{403, 407, 261, 378}));
}

TEST(StoriesTokenizer, DescribesItsVocabulary) {
  const Tokenizer& t = stories_tokenizer();
  EXPECT_EQ(t.model_kind(), "llama");
  EXPECT_EQ(t.vocab_size(), 512);
  EXPECT_EQ(t.bos(), 1);
  EXPECT_EQ(t.eos(), 2);
  EXPECT_TRUE(t.is_end_of_generation(2));
  EXPECT_FALSE(t.is_end_of_generation(1));
  EXPECT_FALSE(t.is_end_of_generation(403));
  EXPECT_FALSE(t.is_end_of_generation(-1));
  EXPECT_FALSE(t.is_end_of_generation(512));
  EXPECT_EQ(t.find_token("<s>"), std::optional<int32_t>(1));
  EXPECT_EQ(t.find_token("no such token"), std::nullopt);
}

class StoriesExpected : public ::testing::TestWithParam<std::string> {};

TEST_P(StoriesExpected, PromptIdsAndStreamedText) {
  std::ifstream in(std::string(SLIMLLM_TESTDATA) + "/expected/stories260K-" + GetParam() + ".json");
  ASSERT_TRUE(in);
  nlohmann::json expected = nlohmann::json::parse(in);
  const Tokenizer& t = stories_tokenizer();
  EXPECT_EQ(t.encode(expected["prompt"].get<std::string>(), true, false),
            expected["prompt_ids"].get<std::vector<int32_t>>());
  // Generated tokens continue the prompt: pieces are streamed as they are, space included.
  StreamDecoder stream(t);
  std::string text;
  for (int32_t id : expected["gen_ids"].get<std::vector<int32_t>>()) text += stream.push(id);
  text += stream.flush();
  EXPECT_EQ(text, expected["gen_text"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Prompts, StoriesExpected, ::testing::Values("once", "dog", "lily"));

TEST(StoriesTokenizer, RejectsIdsOutsideTheVocabulary) {
  EXPECT_THROW(stories_tokenizer().decode({1, 512}), Error);
  EXPECT_THROW(stories_tokenizer().token_piece(-1), Error);
  StreamDecoder stream(stories_tokenizer());
  EXPECT_THROW(stream.push(100000), Error);
}

}  // namespace
}  // namespace slimllm
