// Prompts holding special tokens against llama.cpp, with and without special-token parsing, on
// llama.cpp's own test vocabularies (tests/data/tokenizer/special_reference.json, made by
// tools/tokenizer_reference/make_special_reference.mjs): control and user-defined tokens, the
// control type llama.cpp gives end-of-turn texts, Phi-3's whitespace stripping after its tokens,
// SentencePiece's space after a special token.
#include <gtest/gtest.h>

#include "gguf/reader.h"
#include "llama_cpp_reference.h"
#include "tokenizer/tokenizer.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

const nlohmann::json& reference() {
  return testing::tokenizer_reference("special_reference.json");
}

class SpecialTokensMatchLlamaCpp : public ::testing::TestWithParam<std::string> {};

TEST_P(SpecialTokensMatchLlamaCpp, WithAndWithoutParsing) {
  const std::string vocab = GetParam();
  const Tokenizer tokenizer = Tokenizer::from_gguf(
      GgufFile::open(testing::tokenizer_testdata("ggml-vocab-" + vocab + ".gguf")));
  const nlohmann::json& strings = reference()["strings"];
  for (const bool parse : {true, false}) {
    const nlohmann::json& expected = reference()["ids"][vocab][parse ? "parse_special" : "plain"];
    ASSERT_EQ(expected.size(), strings.size());
    for (size_t i = 0; i < strings.size(); ++i) {
      const std::string text = strings[i].get<std::string>();
      EXPECT_EQ(tokenizer.encode(text, false, parse), expected[i].get<std::vector<int32_t>>())
          << vocab << (parse ? " (parsing specials)" : " (specials as text)") << ": \"" << text
          << "\"";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabularies, SpecialTokensMatchLlamaCpp,
                         ::testing::ValuesIn(testing::reference_names(reference())),
                         testing::param_name);

}  // namespace
}  // namespace slimllm
