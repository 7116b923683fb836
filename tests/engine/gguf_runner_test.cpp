// The scheduler's view of the engine: a GGUF Runner loaded through its factory.
#include "engine/gguf_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>

#include "base/error.h"

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
