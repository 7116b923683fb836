// Runner::embed of the GGUF runner on stories260K: a request's inputs batched together give what
// each gives alone, texts are tokenized with BOS, truncation and its refusal, token-id inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "engine/gguf_runner.h"
#include "gguf/reader.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

const std::string kModel = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";

// The ids the runner embeds for a text: the model's tokenizer with BOS.
std::vector<int32_t> encode(const std::string& text) {
  return Tokenizer::from_gguf(GgufFile::open(kModel)).encode(text, true, true);
}

std::unique_ptr<Runner> load(int num_ctx, int num_batch) {
  ModelSpec spec;
  spec.name = "stories";
  spec.model_path = kModel;
  LoadOptions options;
  options.num_ctx = num_ctx;
  options.num_batch = num_batch;
  options.num_thread = 1;
  return GgufRunnerFactory().load(spec, options);
}

EmbedInput texts(std::initializer_list<const char*> list, bool truncate = true) {
  EmbedInput in;
  in.truncate = truncate;
  for (const char* t : list) in.items.push_back(EmbedItem::of_text(t));
  return in;
}

double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * static_cast<double>(a[i] - b[i]);
    norm += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(diff / norm);
}

TEST(GgufRunnerEmbed, ABatchEqualsEachInputAlone) {
  auto runner = load(128, 16);  // 16-token passes: the inputs below take several
  const EmbedInput all =
      texts({"Once upon a time there was a little girl named Lily.", "Hi",
             "The dog ran to the park and played with a ball all day long.", "Tom"});
  const EmbedResult together = runner->embed(all);
  ASSERT_EQ(together.embeddings.size(), 4u);
  int64_t tokens = 0;
  for (size_t i = 0; i < all.items.size(); ++i) {
    const EmbedResult one = runner->embed(texts({all.items[i].text.c_str()}));
    ASSERT_EQ(one.embeddings.size(), 1u);
    EXPECT_LT(relative_error(together.embeddings[i], one.embeddings[0]), 1e-4) << i;
    tokens += one.prompt_eval_count;
  }
  EXPECT_EQ(together.prompt_eval_count, tokens);
  EXPECT_GT(together.prompt_eval_count, 4 * 1) << "BOS plus the text's tokens";
}

TEST(GgufRunnerEmbed, TokenIdsEmbedAsTheirText) {
  auto runner = load(128, 64);
  const std::string text = "The cat sat on the mat.";
  const std::vector<int32_t> ids = encode(text);
  ASSERT_EQ(ids.front(), 1) << "BOS first";
  EmbedInput as_ids;
  as_ids.items.push_back(EmbedItem::of_tokens(ids));
  const EmbedResult a = runner->embed(texts({text.c_str()}));
  const EmbedResult b = runner->embed(as_ids);
  EXPECT_EQ(a.embeddings[0], b.embeddings[0]);
  EXPECT_EQ(a.prompt_eval_count, static_cast<int64_t>(ids.size()));
  EmbedInput bad;
  bad.items.push_back(EmbedItem::of_tokens({1, 100000}));
  EXPECT_THROW(runner->embed(bad), EmbedInputError);
  EmbedInput empty;
  empty.items.push_back(EmbedItem::of_tokens({}));
  EXPECT_THROW(runner->embed(empty), EmbedInputError);
}

TEST(GgufRunnerEmbed, TruncatesToTheContextOrRefuses) {
  auto runner = load(8, 8);
  const std::string text = "Once upon a time there was a little girl named Lily who loved cats.";
  const std::vector<int32_t> ids = encode(text);
  ASSERT_GT(ids.size(), 8u);
  EXPECT_THROW(runner->embed(texts({text.c_str()}, false)), ContextExceededError);
  const EmbedResult cut = runner->embed(texts({text.c_str()}, true));
  EXPECT_EQ(cut.prompt_eval_count, 8);
  // What was embedded is the text's first 8 tokens (stories adds no end token to keep).
  EmbedInput head;
  head.items.push_back(EmbedItem::of_tokens(std::vector<int32_t>(ids.begin(), ids.begin() + 8)));
  EXPECT_EQ(runner->embed(head).embeddings[0], cut.embeddings[0]);
}

}  // namespace
}  // namespace slimllm
