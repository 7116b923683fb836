// The synthetic rerankers (bert, pooling rank, a cls head; F32 and F16) through the GGUF runner:
// every document of a query scored in one call, each logit within 0.01 of llama.cpp's for the
// same texts and the documents in llama.cpp's order (the logits are 0.05 apart or more; llama.cpp's
// GELU reads an f16 table, so its activations differ from exact ones by ~1e-3) (tests/data/encoders/rank_reference.json, made by
// tools/encoder_reference/make_rank_reference.mjs), so tokenization, the pair's layout, the
// encoder and the head all agree. Also the pair layout itself, truncation, and the refusals.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/gguf_runner.h"
#include "engine/loaded_model.h"
#include "engine/rerank_pair.h"

namespace slimllm {
namespace {

const std::string kDir = std::string(SLIMLLM_DATA) + "/encoders/";

std::unique_ptr<Runner> load(const std::string& file, int num_ctx = 64) {
  ModelSpec spec;
  spec.model_path = kDir + file;
  LoadOptions options;
  options.num_ctx = num_ctx;
  options.num_batch = 64;
  options.num_thread = 2;
  return GgufRunnerFactory().load(spec, options);
}

TEST(Rerank, LogitsMatchLlamaCpp) {
  std::ifstream in(kDir + "rank_reference.json");
  ASSERT_TRUE(in);
  const nlohmann::json ref = nlohmann::json::parse(in);
  ASSERT_EQ(ref["models"].size(), 2u);
  RerankInput input;
  input.query = ref["query"].get<std::string>();
  input.documents = ref["documents"].get<std::vector<std::string>>();
  for (const auto& [file, model] : ref["models"].items()) {
    SCOPED_TRACE(file);
    auto runner = load(file);
    const RerankResult r = runner->rerank(input);
    const auto want = model["logits"].get<std::vector<double>>();
    ASSERT_EQ(r.logits.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_NEAR(r.logits[i], want[i], 1e-2) << "document " << i;
      for (size_t j = 0; j < want.size(); ++j) {
        EXPECT_EQ(r.logits[i] < r.logits[j], want[i] < want[j]) << "documents " << i << ", " << j;
      }
    }
    EXPECT_GT(r.prompt_eval_count, 0);
  }
}

TEST(Rerank, PairLayoutAndTruncation) {
  const LoadedModel m = LoadedModel::load(kDir + "bert-f32-rank.gguf", false, 1);
  const Tokenizer& t = m.tokenizer;
  // [CLS]=2, [SEP]=3 is both EOS and separator in the fixture; "▁a".."▁z" are 5..30.
  EXPECT_EQ(rerank_pair(t, "a b", "c", 64, true),
            (std::vector<int32_t>{2, 5, 6, 3, 3, 7, 3}));
  // Too long: the document's tail goes first, then the query's.
  EXPECT_EQ(rerank_pair(t, "a b", "c d e", 8, true),
            (std::vector<int32_t>{2, 5, 6, 3, 3, 7, 8, 3}));
  EXPECT_EQ(rerank_pair(t, "a b c", "d", 5, true), (std::vector<int32_t>{2, 5, 3, 3, 3}));
  EXPECT_THROW(rerank_pair(t, "a b", "c d e", 8, false), ContextExceededError);
  EXPECT_THROW(rerank_pair(t, "a", "b", 3, true), EmbedInputError);
}

TEST(Rerank, LongDocumentIsTruncatedNotRefused) {
  auto runner = load("bert-f32-rank.gguf", 16);
  RerankInput input;
  input.query = "a";
  input.documents = {"the giant panda is a bear", "hi"};  // a token per letter
  const RerankResult r = runner->rerank(input);
  ASSERT_EQ(r.logits.size(), 2u);
  EXPECT_EQ(r.prompt_eval_count, 16 + 7);  // the first pair cut to the context
  input.truncate = false;
  EXPECT_THROW(runner->rerank(input), ContextExceededError);
}

TEST(Rerank, RerankerHasNoEmbeddingsAndEmbedderDoesNotRerank) {
  auto reranker = load("bert-f32-rank.gguf");
  EmbedInput embed;
  embed.items.push_back(EmbedItem::of_text("a b"));
  EXPECT_THROW(reranker->embed(embed), EmbedInputError);
  auto embedder = load("bert-f32-mean.gguf");
  RerankInput input;
  input.query = "a";
  input.documents = {"b"};
  EXPECT_THROW(embedder->rerank(input), EmbedInputError);
}

}  // namespace
}  // namespace slimllm
