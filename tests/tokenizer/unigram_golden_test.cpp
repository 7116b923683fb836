// The Unigram tokenizer against llama.cpp on a real-size vocabulary: llama.cpp's llama-spm test
// vocabulary (32,000 SentencePiece pieces with scores) declared as tokenizer.ggml.model = t5, the
// same file tools/encoder_reference/make_unigram_reference.mjs tokenized with llama.cpp into
// tests/data/tokenizer/unigram_llama_spm.json. Accents, CJK, Hangul, Cyrillic, emoji, whitespace
// runs, tabs and newlines (unknown here), very long words, and control-token spellings as text.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "gguf/reader.h"
#include "llama_cpp_reference.h"
#include "synthetic_encoder.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

TEST(UnigramGolden, LlamaSpmPiecesAsT5MatchLlamaCpp) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("slimllm-unigram-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  SyntheticEncoderSpec spec;
  spec.layers = 1;
  spec.recipe = "f16";
  spec.vocab_from = std::string(SLIMLLM_TESTDATA) + "/tokenizer/ggml-vocab-llama-spm.gguf";
  spec.tokenizer_model = "t5";
  const std::string path = (dir / "unigram.gguf").string();
  write_synthetic_encoder(spec, path);
  const Tokenizer t = Tokenizer::from_gguf(GgufFile::open(path));
  std::filesystem::remove_all(dir);
  EXPECT_EQ(t.model_kind(), "t5");

  const nlohmann::json& ref = testing::tokenizer_reference("unigram_llama_spm.json");
  ASSERT_TRUE(ref.contains("cases"));
  ASSERT_GE(ref["cases"].size(), 20u);
  for (const auto& c : ref["cases"]) {
    const std::string text = c["text"].get<std::string>();
    EXPECT_EQ(t.encode(text, false, false), c["ids"].get<std::vector<int32_t>>())
        << "text: \"" << text << "\"";
  }
}

}  // namespace
}  // namespace slimllm
