// SentencePiece without the leading space, as Gemma's vocabularies declare it
// (tokenizer.ggml.add_space_prefix = false), against llama.cpp: llama.cpp's llama-spm test
// vocabulary declared so must encode every string to the ids llama.cpp gave for the same file
// (tests/data/tokenizer/spm_no_space_prefix.json, made by
// tools/tokenizer_reference/make_spm_reference.mjs). The same vocabulary with the prefix (its
// own declaration) is golden_test.cpp's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tokenizer/tokenizer.h"
#include "llama_cpp_reference.h"
#include "vocab_fixtures.h"

namespace slimllm {
namespace {

// The llama-spm vocabulary with add_space_prefix set (what tools/gguf_set writes), from memory.
Tokenizer llama_spm_with_space_prefix(bool add_space_prefix) {
  const GgufFile base = GgufFile::open(testing::tokenizer_testdata("ggml-vocab-llama-spm.gguf"));
  GgufWriter writer;
  for (const auto& kv : base.metadata()) writer.set_value(kv.key, kv.value);
  writer.set_bool("tokenizer.ggml.add_space_prefix", add_space_prefix);
  const std::vector<uint8_t> bytes = writer.write_to_memory();
  return Tokenizer::from_gguf(GgufFile::parse("llama-spm", bytes.data(), bytes.size()));
}

TEST(SentencePieceReference, WithoutTheSpacePrefixAsLlamaCpp) {
  const nlohmann::json& ref = testing::tokenizer_reference("spm_no_space_prefix.json");
  const nlohmann::json& strings = ref["strings"];
  const nlohmann::json& expected = ref["ids"];
  ASSERT_GE(strings.size(), 20u);
  ASSERT_EQ(expected.size(), strings.size());
  const Tokenizer tokenizer = llama_spm_with_space_prefix(false);
  EXPECT_FALSE(tokenizer.add_space_prefix());
  EXPECT_EQ(testing::expect_reference_ids(tokenizer, strings, expected, ""), strings.size());
  // The prefix changes the ids of a plain word: the table above tells the two apart.
  const Tokenizer prefixed = llama_spm_with_space_prefix(true);
  EXPECT_NE(prefixed.encode("Hello world", false, false),
            tokenizer.encode("Hello world", false, false));
}

}  // namespace
}  // namespace slimllm
