// Vocabularies built in memory: defaults for absent keys, and Errors that name what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

using ::testing::HasSubstr;

// A tiny byte-level BPE vocabulary: the 256 byte spellings, "ab" and "abc", two merges.
GgufWriter tiny_bpe(std::string_view pre) {
  GgufWriter writer;
  writer.set_string("tokenizer.ggml.model", "gpt2");
  if (!pre.empty()) writer.set_string("tokenizer.ggml.pre", pre);
  std::vector<std::string> tokens(256);
  // Fill in the spellings through the real mapping: bytes below 0x21 and a few others map to
  // U+0100 upwards in order.
  uint32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    uint32_t cp = printable ? b : next++;
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    tokens[b] = s;
  }
  tokens.push_back("ab");
  tokens.push_back("abc");
  tokens.push_back("<|end|>");
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  std::vector<int32_t> types(tokens.size(), 1);
  types.back() = 3;
  writer.set_array("tokenizer.ggml.token_type", GgufType::kInt32, types.data(), types.size());
  writer.set_string_array("tokenizer.ggml.merges", std::vector<std::string>{"a b", "ab c"});
  return writer;
}

Tokenizer from_writer(const GgufWriter& writer, std::vector<uint8_t>& bytes) {
  bytes = writer.write_to_memory();
  return Tokenizer::from_gguf(GgufFile::parse("tiny.gguf", bytes.data(), bytes.size()));
}

TEST(TokenizerVocab, TinyBpeMergesAndDefaults) {
  std::vector<uint8_t> bytes;
  Tokenizer t = from_writer(tiny_bpe("gpt-2"), bytes);
  EXPECT_EQ(t.model_kind(), "gpt2");
  EXPECT_EQ(t.vocab_size(), 259);
  EXPECT_EQ(t.encode("abc", false, false), (std::vector<int32_t>{257}));
  EXPECT_EQ(t.encode("abd", false, false), (std::vector<int32_t>{256, 'd'}));
  // Default special ids of a gpt2 vocabulary (11, as llama.cpp assumes); no BOS added by default.
  EXPECT_EQ(t.bos(), 11);
  EXPECT_EQ(t.encode("ab", true, false), (std::vector<int32_t>{256}));
  EXPECT_TRUE(t.is_end_of_generation(258));  // <|end|>
  EXPECT_EQ(t.encode("<|end|>", false, true), (std::vector<int32_t>{258}));
  EXPECT_EQ(t.decode(t.encode("a\tb c\n", false, false)), "a\tb c\n");
}

TEST(TokenizerVocab, OutlivesTheFile) {
  std::vector<uint8_t> bytes;
  Tokenizer t = from_writer(tiny_bpe("qwen2"), bytes);
  std::fill(bytes.begin(), bytes.end(), 0);  // the file's memory is gone
  EXPECT_EQ(t.encode("abc", false, false), (std::vector<int32_t>{257}));
  EXPECT_EQ(t.decode({257}), "abc");
}

TEST(TokenizerVocab, UnknownPreTokenizerIsNamed) {
  std::vector<uint8_t> bytes;
  try {
    from_writer(tiny_bpe("klingon-bpe"), bytes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("klingon-bpe"));
    EXPECT_THAT(e.what(), HasSubstr("tiny.gguf"));
  }
}

TEST(TokenizerVocab, MissingVocabulary) {
  GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  std::vector<uint8_t> bytes;
  EXPECT_THROW(from_writer(writer, bytes), Error);
}

TEST(TokenizerVocab, UnsupportedModel) {
  GgufWriter writer = tiny_bpe("default");
  writer.set_string("tokenizer.ggml.model", "rwkv");
  std::vector<uint8_t> bytes;
  try {
    from_writer(writer, bytes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'rwkv'"));
  }
}

TEST(TokenizerVocab, BertWithoutUnknownToken) {
  // WordPiece must be able to give [UNK]; the default id 100 is outside this vocabulary.
  GgufWriter writer;
  writer.set_string("tokenizer.ggml.model", "bert");
  writer.set_string_array("tokenizer.ggml.tokens",
                          std::vector<std::string>{"[CLS]", "[SEP]", "\xE2\x96\x81hi"});
  writer.set_uint32("tokenizer.ggml.cls_token_id", 0);
  writer.set_uint32("tokenizer.ggml.seperator_token_id", 1);
  std::vector<uint8_t> bytes;
  try {
    from_writer(writer, bytes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown_token_id"));
  }
}

TEST(TokenizerVocab, WrongLengthTypesAndMissingMerges) {
  GgufWriter writer = tiny_bpe("default");
  std::vector<int32_t> types(3, 1);
  writer.set_array("tokenizer.ggml.token_type", GgufType::kInt32, types.data(), types.size());
  std::vector<uint8_t> bytes;
  EXPECT_THROW(from_writer(writer, bytes), Error);
  GgufWriter no_merges = tiny_bpe("default");
  no_merges.remove("tokenizer.ggml.merges");
  try {
    from_writer(no_merges, bytes);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("tokenizer.ggml.merges"));
  }
}

TEST(TokenizerVocab, SentencePieceDefaults) {
  GgufWriter writer;
  writer.set_string("tokenizer.ggml.model", "llama");
  std::vector<std::string> tokens = {"<unk>",
                                     "<s>",
                                     "</s>",
                                     "\xE2\x96\x81"
                                     "a",
                                     "b",
                                     "\xE2\x96\x81"
                                     "ab"};
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  std::vector<float> scores = {0, 0, 0, -1, -2, -0.5};
  writer.set_array("tokenizer.ggml.scores", GgufType::kFloat32, scores.data(), scores.size());
  std::vector<int32_t> types = {2, 3, 3, 1, 1, 1};
  writer.set_array("tokenizer.ggml.token_type", GgufType::kInt32, types.data(), types.size());
  std::vector<uint8_t> bytes;
  Tokenizer t = from_writer(writer, bytes);
  // BOS 1 is added by default; " " prefix; no byte tokens, so 'c' becomes <unk> (0).
  EXPECT_EQ(t.encode("ab", true, false), (std::vector<int32_t>{1, 5}));
  EXPECT_EQ(t.encode("abc", false, false), (std::vector<int32_t>{5, 0}));
  EXPECT_EQ(t.decode({1, 5}), "ab");
}

}  // namespace
}  // namespace slimllm
