// stories260K greedy generations against llama.cpp's ids (testdata/expected/*.json).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/model.h"
#include "model/model_fixtures.h"
#include "sampling/steps.h"

namespace slimllm {
namespace {


std::vector<int32_t> greedy(const Model& model, const std::vector<int32_t>& prompt, int n) {
  KvCache kv = model.make_cache(256, 1);
  ForwardState state = model.make_state(64, 1);
  std::vector<BatchToken> batch = testing_models::prompt_batch(prompt);
  std::vector<int32_t> out;
  int32_t pos = static_cast<int32_t>(prompt.size());
  for (int i = 0; i < n; ++i) {
    std::span<const float> logits = model.forward(batch, kv, state, nullptr);
    const int32_t next = pick_greedy(logits);
    out.push_back(next);
    batch = {{next, pos++, 0, true}};
  }
  return out;
}

class Stories260K : public ::testing::TestWithParam<std::string> {};

TEST_P(Stories260K, GreedyIdsMatchLlamaCpp) {
  std::ifstream in(std::string(SLIMLLM_TESTDATA) + "/expected/stories260K-" + GetParam() + ".json");
  ASSERT_TRUE(in) << GetParam();
  const nlohmann::json expected = nlohmann::json::parse(in);
  std::unique_ptr<Model> model =
      testing_models::open_model_file(testing_models::stories_model_path());
  const auto prompt = expected["prompt_ids"].get<std::vector<int32_t>>();
  const auto want = expected["gen_ids"].get<std::vector<int32_t>>();
  EXPECT_EQ(greedy(*model, prompt, expected["num_predict"].get<int>()), want);
}

INSTANTIATE_TEST_SUITE_P(Expected, Stories260K, ::testing::Values("dog", "lily", "once"));

TEST(Stories260KConfig, ReadsHyperparameters) {
  std::unique_ptr<Model> model =
      testing_models::open_model_file(testing_models::stories_model_path());
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.n_vocab, 512);
  EXPECT_EQ(c.n_embd, 64);
  EXPECT_EQ(c.n_layer, 5);
  EXPECT_EQ(c.n_head, 8);
  EXPECT_EQ(c.n_head_kv, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.n_ff, 172);
  EXPECT_EQ(c.n_ctx_train, 2048);
  EXPECT_FALSE(model->weights().tied_embeddings);
}

}  // namespace
}  // namespace slimllm
