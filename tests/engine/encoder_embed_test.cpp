// The encoder fixtures (bert, nomic-bert; F32, F16 and Q8_0; mean and cls pooling) and a qwen3
// decoder embedder (last-token pooling, as Qwen3-Embedding) through the GGUF
// runner's batched embeddings: all four inputs in one call, each within cosine 0.9999 of the
// vector llama.cpp computed for it (tests/data/encoders/reference.json, made by
// tools/encoder_reference/make_reference.mjs).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/gguf_runner.h"

namespace slimllm {
namespace {

double cosine(const std::vector<float>& a, const std::vector<double>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += a[i] * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += b[i] * b[i];
  }
  return dot / std::sqrt(na * nb);
}

TEST(EncoderEmbeddings, BatchedRunnerMatchesLlamaCpp) {
  const std::string dir = std::string(SLIMLLM_DATA) + "/encoders/";
  std::ifstream in(dir + "reference.json");
  ASSERT_TRUE(in);
  const nlohmann::json ref = nlohmann::json::parse(in);
  const auto inputs = ref["inputs"].get<std::vector<std::vector<int32_t>>>();
  ASSERT_EQ(ref["models"].size(), 11u);
  for (const auto& [file, model] : ref["models"].items()) {
    SCOPED_TRACE(file);
    ModelSpec spec;
    spec.model_path = dir + file;
    LoadOptions load;
    load.num_ctx = 64;
    load.num_batch = 64;
    load.num_thread = 2;
    auto runner = GgufRunnerFactory().load(spec, load);
    // A decoder's inputs as llama.cpp evaluated them (its BOS put in front).
    const auto own = model.contains("inputs")
                         ? model["inputs"].get<std::vector<std::vector<int32_t>>>()
                         : inputs;
    EmbedInput input;
    for (const auto& ids : own) input.items.push_back(EmbedItem::of_tokens(ids));
    const EmbedResult r = runner->embed(input);
    ASSERT_EQ(r.embeddings.size(), inputs.size());
    const auto want = model["vectors"].get<std::vector<std::vector<double>>>();
    int64_t tokens = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      ASSERT_EQ(r.embeddings[i].size(), want[i].size());
      EXPECT_GE(cosine(r.embeddings[i], want[i]), 0.9999) << "input " << i;
      tokens += static_cast<int64_t>(own[i].size());
    }
    EXPECT_EQ(r.prompt_eval_count, tokens);
  }
}

}  // namespace
}  // namespace slimllm
