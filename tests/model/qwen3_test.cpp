// What qwen3 adds to the shared decoder: heads wider than n_embd / n_head (attention.key_length),
// and a per-head RMSNorm of q and k before the rotation, which makes attention blind to the
// scale of Wq (the property checked here; the golden test holds the whole to llama.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

using testing_models::logits_after;
using testing_models::max_difference;
using testing_models::tiny;
using testing_models::TinyModelSpec;

// The logits after a fixed 10-token prompt.
std::vector<float> last_logits(const Model& m) {
  return logits_after(m, {1, 5, 9, 14, 3, 27, 40, 11, 8, 33}, 32);
}

TEST(Qwen3, HeadSizeComesFromKeyLength) {
  TinyModelSpec spec;
  spec.arch = "qwen3";
  spec.head_dim = 16;  // 4 heads of 16 over a 32-wide stream, as 0.6B has 16 of 128 over 1024
  auto m = tiny(spec, "qwen3-wide-heads");
  const ModelConfig& c = m->config();
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.q_dim(), 64);
  EXPECT_EQ(c.kv_dim(), 32);
  EXPECT_EQ(c.n_rot, 16);
  EXPECT_TRUE(c.rope_neox);
  EXPECT_EQ(m->weights().layers[0].wq.rows, 64);
  EXPECT_EQ(m->weights().layers[0].wo.cols, 64);
  ASSERT_EQ(m->weights().layers[0].q_norm.size(), 16u);
  ASSERT_EQ(m->weights().layers[0].k_norm.size(), 16u);
  EXPECT_EQ(last_logits(*m).size(), 48u);
}

TEST(Qwen3, QueryNormMakesTheScaleOfWqIrrelevant) {
  TinyModelSpec spec;
  spec.arch = "qwen3";
  spec.head_dim = 16;
  TinyModelSpec scaled = spec;
  scaled.q_scale = 8.0f;
  const auto base = last_logits(*tiny(spec, "qwen3-q1"));
  EXPECT_LT(max_difference(base, last_logits(*tiny(scaled, "qwen3-q8"))), 1e-3f);
  // Without the norm (qwen2's decoder over the same shapes) the same scaling sharpens attention
  // and moves the logits: the comparison above can fail.
  spec.arch = scaled.arch = "qwen2";
  const auto plain = last_logits(*tiny(spec, "qwen2-q1"));
  EXPECT_GT(max_difference(plain, last_logits(*tiny(scaled, "qwen2-q8"))), 0.05f);
}

TEST(Qwen3, MissingQueryNormIsReportedByName) {
  TinyModelSpec spec;
  spec.arch = "qwen3";
  spec.drop = "blk.1.attn_q_norm.weight";
  try {
    tiny(spec, "qwen3-no-qnorm");
    FAIL() << "loaded a qwen3 model without blk.1.attn_q_norm.weight";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("blk.1.attn_q_norm.weight"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace slimllm
