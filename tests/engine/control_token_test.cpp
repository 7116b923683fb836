// Generated control tokens are rendered as Ollama renders them: stories260K, run long enough,
// starts a new story with its control token <s> (id 1) mid-text, which appears as "<s>" in the
// text; its end-of-generation token </s> stops a generation and never appears. The golden is
// llama.cpp's (tests/data/models/stories260K-control.json).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/gguf_runner.h"
#include "engine/tokenizer_text.h"
#include "gguf/reader.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {
namespace {

const std::string kModel = std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";

nlohmann::json control_golden() {
  std::ifstream in(std::string(SLIMLLM_DATA) + "/models/stories260K-control.json");
  EXPECT_TRUE(in) << "tests/data/models/stories260K-control.json is missing";
  return nlohmann::json::parse(in);
}

TEST(ControlTokens, ControlTokenTextButNoEndOfGeneration) {
  const Tokenizer tokenizer = Tokenizer::from_gguf(GgufFile::open(kModel));
  ASSERT_TRUE(tokenizer.is_control(1));
  ASSERT_TRUE(tokenizer.is_end_of_generation(2));
  ASSERT_FALSE(tokenizer.is_end_of_generation(1));
  TokenizerText text(tokenizer);
  EXPECT_EQ(text.push(1), "<s>");
  EXPECT_EQ(text.push(403), " Once");  // ▁Once keeps its space after a control token
  EXPECT_TRUE(text.is_end_of_generation(2));
  EXPECT_EQ(text.token_text(2), "</s>");  // what log-probability reports name it
}

TEST(ControlTokens, GeneratedBosAppearsMidTextAsLlamaCppRendersIt) {
  const nlohmann::json want = control_golden();
  const std::vector<int32_t> gen_ids = want["gen_ids"].get<std::vector<int32_t>>();
  ASSERT_NE(std::find(gen_ids.begin(), gen_ids.end(), 1), gen_ids.end())
      << "the golden must contain a generated <s>";
  ModelSpec spec;
  spec.name = "stories";
  spec.model_path = kModel;
  LoadOptions load;
  load.num_ctx = 512;
  load.num_thread = 1;
  auto runner = GgufRunnerFactory().load(spec, load);
  GenerateInput input;
  input.prompt = want["prompt"].get<std::string>();
  input.sampling.temperature = 0;
  input.sampling.num_predict = want["num_predict"].get<int>();
  std::string text;
  const GenerateResult r = runner->generate(input, [&](const GeneratedPiece& piece) {
    text += piece.text;
    return true;
  });
  EXPECT_EQ(r.done_reason, "length");
  const std::vector<int32_t> prompt_ids = want["prompt_ids"].get<std::vector<int32_t>>();
  std::vector<int32_t> context = prompt_ids;
  context.insert(context.end(), gen_ids.begin(), gen_ids.end());
  EXPECT_EQ(r.context, context);
  EXPECT_EQ(text, want["gen_text"].get<std::string>());
  EXPECT_NE(text.find("every day.<s> Once upon a time"), std::string::npos) << text;
}

}  // namespace
}  // namespace slimllm
