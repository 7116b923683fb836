// What phi3 and granite add to the shared decoder, each piece against the reference kernels or
// an independent formula (the golden test, decoder_golden_test.cpp, holds the whole to llama.cpp
// on the same files):
// - phi3: the fused attn_qkv and ffn_up split into row views; LongRoPE's short factors up to
//   rope.scaling.original_context_length and the long ones beyond, chosen by the cache's context;
//   a partial rotation (rope.dimension_count below the head size) that leaves the other values
//   alone; rope.scaling.attn_factor on the rotated values.
// - granite: the four multipliers read from their keys, and the logit scale as a plain divisor.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>

#include "base/error.h"
#include "base/thread_pool.h"
#include "gguf/writer.h"
#include "kernels/ref/ref_kernels.h"
#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

using testing_models::decoder_fixture;
using testing_models::logits_after;
using testing_models::max_difference;
using testing_models::open_decoder;
using testing_models::open_model_file;
using testing_models::write_edited_copy;

const std::vector<int32_t> kPrompt = {1, 93, 75, 22, 196, 55, 154, 58, 191, 105, 11, 137, 20};

TEST(Phi3, FusedProjectionsAreSplitIntoRowViews) {
  auto m = open_decoder("phi3-f32.gguf");
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.arch, "phi3");
  EXPECT_TRUE(c.rope_neox);
  EXPECT_EQ(c.n_rot, 12);
  EXPECT_EQ(c.head_dim, 16);
  const LayerWeights& l = m->weights().layers[0];
  const GgufTensorInfo* qkv = m->file().find_tensor("blk.0.attn_qkv.weight");
  ASSERT_NE(qkv, nullptr);
  // q, then k, then v: consecutive rows of the one tensor.
  EXPECT_EQ(l.wq.rows, c.q_dim());
  EXPECT_EQ(l.wk.rows, c.kv_dim());
  EXPECT_EQ(l.wv.rows, c.kv_dim());
  EXPECT_EQ(l.wk.data, l.wq.row(c.q_dim()));
  EXPECT_EQ(l.wv.data, l.wk.row(c.kv_dim()));
  // gate (the first n_ff rows of ffn_up), then up.
  EXPECT_EQ(l.w_gate.rows, c.n_ff);
  EXPECT_EQ(l.w_up.rows, c.n_ff);
  EXPECT_EQ(l.w_up.data, l.w_gate.row(c.n_ff));
}

TEST(Phi3, LongRopeTakesTheLongFactorsOnlyBeyondTheOriginalContext) {
  auto m = open_decoder("phi3-f32.gguf");
  const ModelConfig& c = m->config();
  ASSERT_EQ(c.rope_original_context, 512);
  ASSERT_EQ(c.rope_factors.size(), 6u);
  ASSERT_EQ(c.rope_factors_long.size(), 6u);
  EXPECT_NEAR(c.rope_attn_factor, std::sqrt(1 + std::log(8.0) / std::log(512.0)), 1e-6);
  EXPECT_EQ(c.rope(0, 256).freq_factors, c.rope_factors.data());
  EXPECT_EQ(c.rope(0, 512).freq_factors, c.rope_factors.data());
  EXPECT_EQ(c.rope(0, 513).freq_factors, c.rope_factors_long.data());
  // And it shows in the logits: the same prompt in a cache of 512 (short factors) gives what it
  // gives in one of 256, and something else in one of 513 (long factors).
  const auto at256 = logits_after(*m, kPrompt, 256);
  EXPECT_EQ(max_difference(at256, logits_after(*m, kPrompt, 512)), 0.0f);
  EXPECT_GT(max_difference(at256, logits_after(*m, kPrompt, 513)), 0.05f);
}

// The reference kernel's rotation of a head against the formula: pair (i, i + n_rot/2) turns by
// pos / factor_i · base^(-2i/n_rot); values from n_rot on are left alone.
TEST(Phi3, PartialNeoxRotationMatchesTheFormula) {
  auto m = open_decoder("phi3-q4_k_m.gguf");  // Phi-4-mini's 96 of 128
  const ModelConfig& c = m->config();
  ASSERT_EQ(c.n_rot, 96);
  ASSERT_EQ(c.head_dim, 128);
  for (int64_t n_ctx : {256, 1024}) {
    const RopeParams p = c.rope(0, n_ctx);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1, 1);
    std::vector<float> head(static_cast<size_t>(c.head_dim));
    for (float& v : head) v = dist(rng);
    const int32_t pos = 300;
    std::vector<float> fast = head, reference = head;
    rope(fast.data(), 1, 1, c.head_dim, &pos, p, nullptr);
    ref::rope(reference.data(), 1, 1, c.head_dim, &pos, p, nullptr);
    const int64_t half = c.n_rot / 2;
    for (int64_t i = 0; i < half; ++i) {
      const double theta = pos * std::pow(static_cast<double>(c.rope_freq_base), -2.0 * i / c.n_rot) /
                           p.freq_factors[i];
      const double x0 = head[i], x1 = head[i + half];
      const double want0 = x0 * std::cos(theta) - x1 * std::sin(theta);
      const double want1 = x0 * std::sin(theta) + x1 * std::cos(theta);
      EXPECT_NEAR(reference[i], want0, 1e-5) << n_ctx << " pair " << i;
      EXPECT_NEAR(reference[i + half], want1, 1e-5) << n_ctx << " pair " << i;
      EXPECT_NEAR(fast[i], reference[i], 1e-5) << n_ctx << " pair " << i;
      EXPECT_NEAR(fast[i + half], reference[i + half], 1e-5) << n_ctx << " pair " << i;
    }
    for (int64_t i = c.n_rot; i < c.head_dim; ++i) {
      EXPECT_EQ(reference[i], head[i]) << i;
      EXPECT_EQ(fast[i], head[i]) << i;
    }
  }
}

// A copy of phi3-f32.gguf with `key` set to `value`.
std::unique_ptr<Model> phi3_with(const std::string& key, float value, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name + ".gguf";
  write_edited_copy(GgufFile::open(decoder_fixture("phi3-f32.gguf")), path,
                    [&](GgufWriter& w) { w.set_float32(key, value); });
  return open_model_file(path);
}

TEST(Phi3, AttentionFactorScalesTheRotatedValues) {
  // With the factor at 1 the logits move: the golden test's agreement with llama.cpp depends on
  // it being applied.
  auto m = open_decoder("phi3-f32.gguf");
  auto unscaled = phi3_with("phi3.rope.scaling.attn_factor", 1.0f, "phi3-attn-factor-1");
  EXPECT_EQ(unscaled->config().rope_attn_factor, 1.0f);
  EXPECT_GT(max_difference(logits_after(*m, kPrompt, 256), logits_after(*unscaled, kPrompt, 256)),
            0.05f);
}

TEST(Granite, MultipliersComeFromTheirKeys) {
  auto m = open_decoder("granite-f32.gguf");
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.arch, "granite");
  EXPECT_FALSE(c.rope_neox);
  EXPECT_FLOAT_EQ(c.embedding_scale, 12.0f);
  EXPECT_FLOAT_EQ(c.residual_scale, 0.22f);
  EXPECT_FLOAT_EQ(c.attention_scale, 0.125f);
  EXPECT_FLOAT_EQ(c.logit_scale, 8.0f);
}

}  // namespace
}  // namespace slimllm
