// Prompts rendered from chat templates: with special parsing their control-token texts become
// single control tokens; without it they are ordinary text and no control token appears.
#include <gtest/gtest.h>

#include "vocab_fixtures.h"

namespace slimllm {
namespace {

using testing::llama3_tokenizer;
using testing::qwen2_tokenizer;
using testing::spm_tokenizer;

constexpr std::string_view kLlama3Prompt =
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n";

constexpr std::string_view kChatMlPrompt =
    "<|im_start|>system\nYou are a helpful "
    "assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
    "<|im_start|>assistant\n";

bool any_control(const Tokenizer& t, const std::vector<int32_t>& ids) {
  for (int32_t id : ids) {
    if (t.is_control(id)) return true;
  }
  return false;
}

TEST(SpecialTokens, Llama3PromptParsed) {
  // Ids as Meta's tokenizer gives them: 128000 <|begin_of_text|>, 128006/128007 header
  // markers, 128009 <|eot_id|>, 882 "user", 271 "\n\n", 9906 "Hello", 78191 "assistant".
  std::vector<int32_t> expected = {128000, 128006, 882,   128007, 271, 9906,
                                   128009, 128006, 78191, 128007, 271};
  EXPECT_EQ(llama3_tokenizer().encode(kLlama3Prompt, false, true), expected);
  // add_special puts a second BOS in front (the vocabulary says add_bos_token = true).
  std::vector<int32_t> with_bos = llama3_tokenizer().encode(kLlama3Prompt, true, true);
  ASSERT_EQ(with_bos.size(), expected.size() + 1);
  EXPECT_EQ(with_bos[0], 128000);
  EXPECT_EQ(llama3_tokenizer().decode(expected, true), kLlama3Prompt);
  EXPECT_EQ(llama3_tokenizer().decode(expected, false), "user\n\nHelloassistant\n\n");
}

TEST(SpecialTokens, Llama3PromptAsPlainText) {
  std::vector<int32_t> ids = llama3_tokenizer().encode(kLlama3Prompt, false, false);
  EXPECT_FALSE(any_control(llama3_tokenizer(), ids));
  EXPECT_GT(ids.size(), 20u);
  EXPECT_EQ(llama3_tokenizer().decode(ids), kLlama3Prompt);
}

TEST(SpecialTokens, ChatMlPromptParsed) {
  // 151644 <|im_start|>, 151645 <|im_end|>, 8948 "system", 198 "\n", 872 "user",
  // 77091 "assistant", 9707 "Hello"; "You are a helpful assistant." is 2610 525 264 10950 17847 13.
  std::vector<int32_t> expected = {151644, 8948,   198,    2610,   525,    264, 10950,
                                   17847,  13,     151645, 198,    151644, 872, 198,
                                   9707,   151645, 198,    151644, 77091,  198};
  EXPECT_EQ(qwen2_tokenizer().encode(kChatMlPrompt, true, true), expected);  // Qwen adds no BOS
  EXPECT_EQ(qwen2_tokenizer().decode(expected, true), kChatMlPrompt);
}

TEST(SpecialTokens, ChatMlPromptAsPlainText) {
  std::vector<int32_t> ids = qwen2_tokenizer().encode(kChatMlPrompt, false, false);
  EXPECT_FALSE(any_control(qwen2_tokenizer(), ids));
  for (int32_t id : ids) EXPECT_LT(id, 151643) << "special token " << id << " from plain text";
  EXPECT_EQ(qwen2_tokenizer().decode(ids), kChatMlPrompt);
}

TEST(SpecialTokens, LongerTokenWinsOverItsPrefix) {
  // "<|im_start|>" must not be cut at a shorter special token that is a prefix of the text.
  std::vector<int32_t> ids = qwen2_tokenizer().encode("a<|im_start|><|im_end|>b", false, true);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[1], 151644);
  EXPECT_EQ(ids[2], 151645);
}

TEST(SpecialTokens, EndOfGeneration) {
  const Tokenizer& llama3 = llama3_tokenizer();
  EXPECT_TRUE(llama3.is_end_of_generation(128001));  // <|end_of_text|>, the eos
  EXPECT_TRUE(llama3.is_end_of_generation(128009));  // <|eot_id|>
  EXPECT_TRUE(llama3.is_end_of_generation(*llama3.find_token("<|eom_id|>")));
  EXPECT_FALSE(llama3.is_end_of_generation(128000));
  EXPECT_FALSE(llama3.is_end_of_generation(9906));
  const Tokenizer& qwen = qwen2_tokenizer();
  EXPECT_TRUE(qwen.is_end_of_generation(151643));  // <|endoftext|>
  EXPECT_TRUE(qwen.is_end_of_generation(151645));  // <|im_end|>
  EXPECT_FALSE(qwen.is_end_of_generation(151644));
  EXPECT_EQ(qwen.eot(), 151645);
  EXPECT_EQ(llama3.eot(), 128009);
}

TEST(SpecialTokens, SentencePieceControlTextIsPlainUnlessParsed) {
  const Tokenizer& t = spm_tokenizer();
  std::vector<int32_t> plain = t.encode("<s>Hi</s>", false, false);
  for (int32_t id : plain) EXPECT_FALSE(t.is_control(id)) << id;
  EXPECT_EQ(t.decode(plain), "<s>Hi</s>");
  std::vector<int32_t> parsed = t.encode("<s>Hi</s>", false, true);
  ASSERT_GE(parsed.size(), 3u);
  EXPECT_EQ(parsed.front(), 1);
  EXPECT_EQ(parsed.back(), 2);
  // Text after a special token gets the space prefix, as at the start of the input.
  std::vector<int32_t> after = {1};
  for (int32_t id : t.encode("Hi", false, false)) after.push_back(id);
  EXPECT_EQ(t.encode("<s>Hi", false, true), after);
  EXPECT_EQ(after.size(), 2u);                            // "▁Hi"
  EXPECT_EQ(t.encode("<s> Hi", false, true).size(), 3u);  // "▁", "▁Hi"
}

TEST(SpecialTokens, ControlTokensDecodeToNothingUnlessAsked) {
  const Tokenizer& t = llama3_tokenizer();
  EXPECT_EQ(t.token_piece(128000), "");
  EXPECT_EQ(t.token_piece(128000, true), "<|begin_of_text|>");
  EXPECT_EQ(t.decode({128000, 9906, 128001}), "Hello");
  StreamDecoder stream(t, /*render_special=*/true);
  EXPECT_EQ(stream.push(128006), "<|start_header_id|>");
}

}  // namespace
}  // namespace slimllm
