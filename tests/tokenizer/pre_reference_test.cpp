// Every pre-tokenizer against llama.cpp: llama.cpp's gpt-2 test vocabulary declared with each
// tokenizer.ggml.pre name in turn must encode 64 strings (llama.cpp's own test inputs and a table
// aimed at the patterns' differences) to the ids llama.cpp gave for the same file
// (tests/data/tokenizer/pre_reference.json, made by
// tools/tokenizer_reference/make_pre_reference.mjs).
#include <gtest/gtest.h>

#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tokenizer/pretokenizer.h"
#include "llama_cpp_reference.h"
#include "tokenizer/tokenizer.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

const nlohmann::json& reference() { return testing::tokenizer_reference("pre_reference.json"); }

// The gpt-2 vocabulary declaring `pre` (what tools/gguf_set writes), read from memory.
Tokenizer gpt2_vocab_as(const std::string& pre) {
  static const GgufFile base = GgufFile::open(testing::tokenizer_testdata("ggml-vocab-gpt-2.gguf"));
  GgufWriter writer;
  for (const auto& kv : base.metadata()) writer.set_value(kv.key, kv.value);
  writer.set_string("tokenizer.ggml.pre", pre);
  const std::vector<uint8_t> bytes = writer.write_to_memory();
  return Tokenizer::from_gguf(GgufFile::parse("vocab-" + pre, bytes.data(), bytes.size()));
}

TEST(PreTokenizerReference, CoversTheNamesOfCpuSizedModels) {
  const nlohmann::json& ids = reference()["ids"];
  for (const char* name : {"default",      "gpt-2",          "phi-2",       "falcon",
                           "falcon3",      "refact",         "starcoder",   "smollm",
                           "deepseek-llm", "deepseek-coder", "deepseek-v3", "deepseek-r1-qwen",
                           "mpt",          "stablelm2",      "olmo",        "dbrx",
                           "smaug-bpe",    "tekken",         "gpt-4o",      "command-r",
                           "bloom",        "exaone",         "minerva-7b",  "chatglm-bpe",
                           "viking",       "jais",           "codeshell",   "poro-chat",
                           "seed-coder",   "trillion",       "superbpe",    "llama-bpe",
                           "qwen2"})
    EXPECT_TRUE(ids.contains(name)) << name << " has no llama.cpp reference";
  EXPECT_GE(reference()["strings"].size(), 20u);
}

class PreTokenizerMatchesLlamaCpp : public ::testing::TestWithParam<std::string> {};

TEST_P(PreTokenizerMatchesLlamaCpp, OnEveryString) {
  const std::string pre = GetParam();
  const Tokenizer tokenizer = gpt2_vocab_as(pre);
  EXPECT_EQ(tokenizer.pre_tokenizer(), pre);
  const nlohmann::json& strings = reference()["strings"];
  const nlohmann::json& expected = reference()["ids"][pre];
  ASSERT_EQ(expected.size(), strings.size());
  EXPECT_EQ(testing::expect_reference_ids(tokenizer, strings, expected, pre + ": "),
            strings.size())
      << pre;
}

INSTANTIATE_TEST_SUITE_P(AllNames, PreTokenizerMatchesLlamaCpp,
                         ::testing::ValuesIn(testing::reference_names(reference())),
                         testing::param_name);

}  // namespace
}  // namespace slimllm
