// The scheduler's view of the engine: a GGUF Runner loaded through its factory.
#include "engine/gguf_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include <algorithm>
#include <cmath>
#include "base/error.h"
#include "gguf/reader.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

// Whichever way the file is held (use_mmap unset, true, false).
TEST(GgufRunner, GeneratesTheGoldenTextAndReportsCounts) {
  for (const std::optional<bool> use_mmap :
       {std::optional<bool>(), std::optional<bool>(true), std::optional<bool>(false)}) {
    SCOPED_TRACE(use_mmap.has_value() ? (*use_mmap ? "use_mmap true" : "use_mmap false")
                                      : "use_mmap unset");
    std::ifstream in(std::string(SLIMLLM_TESTDATA) + "/expected/stories260K-lily.json");
    ASSERT_TRUE(in);
    const nlohmann::json expected = nlohmann::json::parse(in);
    ModelSpec spec;
    spec.name = "stories";
    spec.model_path = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";
    LoadOptions load;
    load.num_ctx = 256;
    load.num_thread = 1;
    load.use_mmap = use_mmap;
    GgufRunnerFactory factory;
    EXPECT_GT(factory.estimate_bytes(spec, load), 1000000u);  // the 1.2 MB file and its cache
    auto runner = factory.load(spec, load);
    EXPECT_EQ(runner->context_length(), 256);

    GenerateInput input;
    input.prompt = expected["prompt"].get<std::string>();
    input.sampling.temperature = 0;
    input.sampling.num_predict = expected["num_predict"].get<int>();
    std::string text;
    const GenerateResult r = runner->generate(input, [&](const GeneratedPiece& piece) {
      text += piece.text;
      return true;
    });
    EXPECT_EQ(text, expected["gen_text"].get<std::string>());
    EXPECT_EQ(r.done_reason, "length");
    EXPECT_EQ(r.prompt_eval_count, 5);
    EXPECT_EQ(r.eval_count, 64);
    const auto prompt_ids = expected["prompt_ids"].get<std::vector<int32_t>>();
    ASSERT_GE(r.context.size(), prompt_ids.size());
    EXPECT_EQ(std::vector<int32_t>(r.context.begin(), r.context.begin() + 5), prompt_ids);
  }
}

// LongRoPE (phi3) picks its factors by the context: the loaded num_ctx, not the larger number of
// cells the batching cache lets one sequence hold (num_ctx × num_parallel here, past the
// original 512 where the long factors start). A request whose num_ctx would pick the other
// factors cannot share the loaded model's steps: it asks for a reload.
TEST(GgufRunner, ALongRopeModelRotatesForTheLoadedContext) {
  std::ifstream in(std::string(SLIMLLM_DATA) + "/decoders/phi3-short.json");
  ASSERT_TRUE(in);
  const nlohmann::json ref = nlohmann::json::parse(in);
  ASSERT_EQ(ref["n_ctx"].get<int>(), 256);
  const nlohmann::json& want = ref["models"]["phi3-f32.gguf"];
  ModelSpec spec;
  spec.name = "phi3";
  spec.model_path = std::string(SLIMLLM_DATA) + "/decoders/phi3-f32.gguf";
  LoadOptions load;
  load.num_ctx = 256;
  load.num_parallel = 4;
  load.num_thread = 1;
  auto runner = GgufRunnerFactory().load(spec, load);
  EXPECT_TRUE(runner->holds_context(256));
  EXPECT_TRUE(runner->holds_context(512));
  EXPECT_FALSE(runner->holds_context(1024));  // the long factors

  for (size_t p = 0; p < want["prompts"].size(); ++p) {
    const auto prompt = want["prompts"][p].get<std::vector<int32_t>>();
    const auto ids = want["gen_ids"][p].get<std::vector<int32_t>>();
    GenerateInput input;
    input.context_tokens = prompt;
    input.add_special = false;
    input.sampling.temperature = 0;
    input.sampling.num_predict = static_cast<int>(ids.size());
    const GenerateResult r = runner->generate(input, [](const GeneratedPiece&) { return true; });
    ASSERT_EQ(r.context.size(), prompt.size() + ids.size());
    EXPECT_EQ(std::vector<int32_t>(r.context.begin() + static_cast<long>(prompt.size()),
                                   r.context.end()),
              ids)
        << "prompt " << p;
  }
}

TEST(GgufRunner, RefusesAnOverlongPromptWhenTruncationIsOff) {
  ModelSpec spec;
  spec.model_path = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";
  LoadOptions load;
  load.num_ctx = 8;
  auto runner = GgufRunnerFactory().load(spec, load);
  GenerateInput input;
  input.prompt = "Once upon a time there was a little dog who liked to run";
  input.truncate = false;
  EXPECT_THROW(runner->generate(input, [](const GeneratedPiece&) { return true; }), Error);
}

}  // namespace
}  // namespace slimllm

namespace slimllm {
namespace {

// The logprobs a greedy generation reports are log-softmax of the model's logits at each step,
// checked against a forward pass and a log-softmax this test computes on its own.
TEST(GgufRunner, GreedyLogprobsAreTheLogSoftmaxOfTheLogits) {
  const std::string path = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";
  ModelSpec spec;
  spec.model_path = path;
  LoadOptions load;
  load.num_ctx = 128;
  load.num_thread = 1;
  auto runner = GgufRunnerFactory().load(spec, load);
  GenerateInput input;
  input.prompt = "Once upon a time";
  input.sampling.temperature = 0;
  input.sampling.num_predict = 12;
  input.logprobs = true;
  input.top_logprobs = 5;
  std::vector<TokenLogprob> reports;
  const GenerateResult r = runner->generate(input, [&](const GeneratedPiece& piece) {
    reports.insert(reports.end(), piece.logprobs.begin(), piece.logprobs.end());
    return true;
  });
  ASSERT_EQ(static_cast<int64_t>(reports.size()), r.eval_count);
  ASSERT_EQ(reports.size(), 12u);

  // Independently: the model's logits after the prompt and each generated token.
  auto file = std::make_shared<const GgufFile>(GgufFile::open(path));
  std::unique_ptr<Model> model = load_model(file);
  const Tokenizer tokenizer = Tokenizer::from_gguf(*file);
  KvCache kv = model->make_cache(128, 1);
  ForwardState state = model->make_state(128, 1);
  std::vector<int32_t> tokens = tokenizer.encode(input.prompt, true, true);
  std::vector<BatchToken> batch;
  for (size_t i = 0; i < tokens.size(); ++i) {
    batch.push_back(BatchToken{tokens[i], static_cast<int32_t>(i), 0, i + 1 == tokens.size()});
  }
  std::span<const float> logits = model->forward(batch, kv, state, nullptr);
  for (size_t step = 0; step < reports.size(); ++step) {
    double max = -1e30;
    for (float l : logits) max = std::max(max, static_cast<double>(l));
    double sum = 0;
    for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
    std::vector<std::pair<double, int32_t>> ranked;
    for (size_t i = 0; i < logits.size(); ++i) {
      ranked.push_back(
          {static_cast<double>(logits[i]) - max - std::log(sum), static_cast<int32_t>(i)});
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    const int32_t greedy = ranked[0].second;
    const TokenLogprob& got = reports[step];
    EXPECT_EQ(got.token, tokenizer.token_piece(greedy, true)) << step;
    EXPECT_NEAR(got.logprob, ranked[0].first, 1e-4) << step;
    ASSERT_EQ(got.top.size(), 5u);
    for (size_t k = 0; k < 5; ++k) {
      EXPECT_EQ(got.top[k].token, tokenizer.token_piece(ranked[k].second, true)) << step;
      EXPECT_NEAR(got.top[k].logprob, ranked[k].first, 1e-4) << step;
      if (k > 0) EXPECT_GE(got.top[k - 1].logprob, got.top[k].logprob);
    }
    batch = {BatchToken{greedy, static_cast<int32_t>(tokens.size()), 0, true}};
    tokens.push_back(greedy);
    logits = model->forward(batch, kv, state, nullptr);
  }
}

}  // namespace
}  // namespace slimllm

namespace slimllm {
namespace {

// With two slots, a conversation's next turn finds the slot that holds its earlier turn even
// after another conversation ran in between: only the new tokens are evaluated.
TEST(GgufRunner, AGenerationTakesTheSlotHoldingItsPrefix) {
  ModelSpec spec;
  spec.model_path = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";
  LoadOptions load;
  load.num_ctx = 128;
  load.num_parallel = 2;
  load.num_thread = 1;
  auto runner = GgufRunnerFactory().load(spec, load);
  auto run = [&](const std::string& prompt) {
    GenerateInput input;
    input.prompt = prompt;
    input.sampling.temperature = 0;
    input.sampling.num_predict = 2;
    return runner->generate(input, [](const GeneratedPiece&) { return true; });
  };
  const std::string first = "Once upon a time there was a little girl named Lily.";
  const GenerateResult a = run(first);
  const GenerateResult other = run("The dog barked at the big red ball in the park.");
  const GenerateResult again = run(first + " She liked to play");
  EXPECT_EQ(a.prompt_cached_count, 0);
  EXPECT_EQ(other.prompt_cached_count, 0);
  // The first turn's prompt is cached, and its answer's first token (the last generated one is
  // not in the cache: it was never evaluated).
  EXPECT_GE(again.prompt_cached_count, a.prompt_eval_count)
      << "the second conversation evicted the first one's cache";
}

}  // namespace
}  // namespace slimllm
