// A model file whose tensors disagree with its configuration fails, naming the tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/error.h"
#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

using testing_models::TinyModelSpec;

std::string load_error(const TinyModelSpec& spec, const std::string& name) {
  try {
    testing_models::tiny(spec, name);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Binding, MissingTensorIsNamed) {
  TinyModelSpec spec;
  spec.drop = "blk.1.ffn_up.weight";
  EXPECT_THAT(load_error(spec, "missing"),
              ::testing::AllOf(::testing::HasSubstr("missing tensor 'blk.1.ffn_up.weight'"),
                               ::testing::HasSubstr("[32, 40]")));
}

TEST(Binding, MissingQwen2BiasIsNamed) {
  TinyModelSpec spec;
  spec.arch = "qwen2";
  spec.drop = "blk.0.attn_k.bias";
  EXPECT_THAT(load_error(spec, "missing-bias"),
              ::testing::HasSubstr("missing tensor 'blk.0.attn_k.bias'"));
}

TEST(Binding, MisshapedTensorNamesBothShapes) {
  TinyModelSpec spec;
  spec.misshape = "blk.0.attn_k.weight";
  EXPECT_THAT(load_error(spec, "misshaped"),
              ::testing::AllOf(::testing::HasSubstr("'blk.0.attn_k.weight'"),
                               ::testing::HasSubstr("shape [32, 15]"),
                               ::testing::HasSubstr("expects [32, 16]")));
}

TEST(Binding, MissingOutputFallsBackToTiedButMissingEmbeddingFails) {
  TinyModelSpec spec;
  spec.drop = "output.weight";
  EXPECT_EQ(load_error(spec, "no-output"), "");
  TinyModelSpec both;
  both.tied = true;
  both.drop = "token_embd.weight";
  EXPECT_THAT(load_error(both, "no-embd"),
              ::testing::HasSubstr("missing tensor 'token_embd.weight'"));
}

TEST(Binding, MissingRequiredKeyIsNamed) {
  TinyModelSpec spec;
  spec.drop_key = "llama.block_count";
  EXPECT_THAT(load_error(spec, "no-block-count"), ::testing::HasSubstr("llama.block_count"));
}

TEST(Binding, UnknownArchitectureIsNamed) {
  TinyModelSpec spec;
  spec.arch = "mamba";
  EXPECT_THAT(load_error(spec, "mamba"),
              ::testing::AllOf(::testing::HasSubstr("'mamba'"), ::testing::HasSubstr("llama")));
}

}  // namespace
}  // namespace slimllm
