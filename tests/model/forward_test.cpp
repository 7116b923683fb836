// The forward pass on tiny synthetic models: batching, several sequences, context shift,
// embeddings.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "model/embedding.h"
#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

using testing_models::tiny;
using testing_models::TinyModelSpec;

const std::vector<int32_t> kPrompt = {1, 5, 9, 14, 3, 27, 40, 11, 8, 33, 2, 19};

// Logits [n_vocab] after each prompt token, processing the prompt in `chunk`-token batches.
std::vector<std::vector<float>> run_chunked(const Model& m, size_t chunk) {
  KvCache kv = m.make_cache(64, 2);
  ForwardState state = m.make_state(16, 16);
  std::vector<std::vector<float>> out;
  for (size_t start = 0; start < kPrompt.size(); start += chunk) {
    std::vector<BatchToken> batch;
    for (size_t i = start; i < std::min(kPrompt.size(), start + chunk); ++i) {
      batch.push_back({kPrompt[i], static_cast<int32_t>(i), 0, true});
    }
    auto logits = m.forward(batch, kv, state, nullptr);
    const size_t v = static_cast<size_t>(m.config().n_vocab);
    for (size_t r = 0; r < batch.size(); ++r) {
      out.emplace_back(logits.begin() + r * v, logits.begin() + (r + 1) * v);
    }
  }
  return out;
}

// The same prompt as sequence 1, interleaved token by token with another sequence 0.
std::vector<std::vector<float>> run_interleaved(const Model& m) {
  KvCache kv = m.make_cache(64, 2);
  ForwardState state = m.make_state(32, 32);
  const std::vector<int32_t> other = {4, 4, 17, 30, 22, 6, 1, 0, 45, 12, 13, 7};
  std::vector<BatchToken> batch;
  for (size_t i = 0; i < kPrompt.size(); ++i) {
    batch.push_back({other[i], static_cast<int32_t>(i), 0, false});
    batch.push_back({kPrompt[i], static_cast<int32_t>(i), 1, true});
  }
  auto logits = m.forward(batch, kv, state, nullptr);
  const size_t v = static_cast<size_t>(m.config().n_vocab);
  std::vector<std::vector<float>> out;
  for (size_t r = 0; r < kPrompt.size(); ++r) {
    out.emplace_back(logits.begin() + r * v, logits.begin() + (r + 1) * v);
  }
  return out;
}

void expect_near(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b,
                 float tolerance) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t r = 0; r < a.size(); ++r) {
    ASSERT_EQ(a[r].size(), b[r].size());
    for (size_t i = 0; i < a[r].size(); ++i) {
      ASSERT_NEAR(a[r][i], b[r][i], tolerance) << "token " << r << " logit " << i;
    }
  }
}

class BatchEquivalence : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchEquivalence, OneBatchTokenByTokenAndInterleavedAgree) {
  TinyModelSpec spec;
  spec.arch = GetParam();
  auto m = tiny(spec, "batch-" + spec.arch);
  const auto whole = run_chunked(*m, kPrompt.size());
  const auto single = run_chunked(*m, 1);
  const auto threes = run_chunked(*m, 5);
  const auto mixed = run_interleaved(*m);
  expect_near(whole, single, 1e-4f);
  expect_near(whole, threes, 1e-4f);
  expect_near(whole, mixed, 1e-4f);
  // And the logits carry information: different positions give different rows.
  EXPECT_NE(whole[0], whole[1]);
}

INSTANTIATE_TEST_SUITE_P(Architectures, BatchEquivalence,
                         ::testing::Values("llama", "qwen2", "qwen3"));

TEST(Forward, TiedEmbeddingsUseTokenEmbd) {
  TinyModelSpec spec;
  spec.tied = true;
  auto m = tiny(spec, "tied");
  EXPECT_TRUE(m->weights().tied_embeddings);
  EXPECT_EQ(m->weights().output.data, m->weights().token_embd.data);
}

TEST(Forward, RopeFreqsTensorBecomesFactors) {
  TinyModelSpec spec;
  spec.rope_freqs = true;
  auto m = tiny(spec, "rope-freqs");
  EXPECT_EQ(m->config().rope_factors.size(), static_cast<size_t>(m->config().head_dim / 2));
  TinyModelSpec plain;
  auto p = tiny(plain, "rope-plain");
  EXPECT_NE(run_chunked(*m, 12).back(), run_chunked(*p, 12).back());
}

TEST(Forward, RejectsBatchesThatBreakTheRules) {
  auto m = tiny(TinyModelSpec{}, "rules");
  KvCache kv = m->make_cache(16, 1);
  ForwardState state = m->make_state(4, 1);
  std::vector<BatchToken> gap = {{1, 1, 0, true}};  // position 1 before position 0
  EXPECT_THROW(m->forward(gap, kv, state, nullptr), Error);
  std::vector<BatchToken> bad_token = {{48, 0, 0, true}};
  EXPECT_THROW(m->forward(bad_token, kv, state, nullptr), Error);
  std::vector<BatchToken> bad_seq = {{1, 0, 1, true}};
  EXPECT_THROW(m->forward(bad_seq, kv, state, nullptr), Error);
  std::vector<BatchToken> too_many = {{1, 0, 0, true}, {1, 1, 0, true}};
  EXPECT_THROW(m->forward(too_many, kv, state, nullptr), Error);
  std::vector<BatchToken> ok = {{1, 0, 0, false}, {1, 1, 0, true}};
  EXPECT_EQ(m->forward(ok, kv, state, nullptr).size(), 48u);
  EXPECT_EQ(kv.length(0), 2);
}

TEST(Forward, ContextShiftMatchesAFreshRunOfTheKeptTokens) {
  // One layer: its keys and values depend only on each token and its position, so after the
  // shift the cache must equal a fresh run of the kept tokens. (With more layers a shift is an
  // approximation: the kept tokens' deeper states still saw the dropped ones.)
  TinyModelSpec spec;
  spec.arch = "qwen2";
  spec.n_layer = 1;
  auto m = tiny(spec, "shift");
  KvCache kv = m->make_cache(32, 1);
  ForwardState state = m->make_state(16, 1);
  std::vector<BatchToken> batch;
  for (size_t i = 0; i < kPrompt.size(); ++i) {
    batch.push_back({kPrompt[i], static_cast<int32_t>(i), 0, false});
  }
  m->forward(batch, kv, state, nullptr);
  // Keep 2, drop 4: the cache now holds tokens 0, 1, 6..11 at positions 0..7.
  m->shift_context(kv, 0, 2, 4, nullptr);
  ASSERT_EQ(kv.length(0), 8);
  std::vector<BatchToken> next = {{21, 8, 0, true}};
  const auto shifted = m->forward(next, kv, state, nullptr);
  const std::vector<float> after(shifted.begin(), shifted.end());

  KvCache fresh = m->make_cache(32, 1);
  std::vector<int32_t> kept = {kPrompt[0], kPrompt[1]};
  kept.insert(kept.end(), kPrompt.begin() + 6, kPrompt.end());
  kept.push_back(21);
  batch.clear();
  for (size_t i = 0; i < kept.size(); ++i) {
    batch.push_back({kept[i], static_cast<int32_t>(i), 0, i + 1 == kept.size()});
  }
  const auto direct = m->forward(batch, fresh, state, nullptr);
  ASSERT_EQ(after.size(), direct.size());
  // The moved keys are rounded to F16 twice, so the agreement is close but not exact.
  for (size_t i = 0; i < after.size(); ++i) EXPECT_NEAR(after[i], direct[i], 2e-3f) << i;
}

TEST(Forward, QuantizedWeightsRun) {
  TinyModelSpec spec;
  spec.n_ff = 64;  // Q8_0 rows are whole blocks of 32
  spec.type = DType::kQ8_0;
  auto q = tiny(spec, "q8");
  TinyModelSpec f = spec;
  f.type = DType::kF32;
  auto ref = tiny(f, "f32-for-q8");
  const auto a = run_chunked(*q, 12).back();
  const auto b = run_chunked(*ref, 12).back();
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += b[i] * b[i];
  }
  EXPECT_LT(std::sqrt(diff / norm), 0.05);
}

TEST(Embedding, LastTokenEqualsTheFinalHiddenStateAndMeanDiffers) {
  auto m = tiny(TinyModelSpec{}, "embed");
  KvCache kv = m->make_cache(32, 1);
  ForwardState state = m->make_state(4, 4);  // smaller than the input: forces chunks
  const auto last = embed(*m, kPrompt, Pooling::kLast, kv, 0, state, nullptr);
  const auto mean = embed(*m, kPrompt, Pooling::kMean, kv, 0, state, nullptr);
  ASSERT_EQ(last.size(), 32u);
  ASSERT_EQ(mean.size(), 32u);
  EXPECT_NE(last, mean);

  KvCache kv2 = m->make_cache(32, 1);
  ForwardState big = m->make_state(16, 16);
  std::vector<BatchToken> batch;
  for (size_t i = 0; i < kPrompt.size(); ++i) {
    batch.push_back({kPrompt[i], static_cast<int32_t>(i), 0, true});
  }
  const auto hidden = m->forward(batch, kv2, big, nullptr, OutputKind::kHidden);
  std::vector<double> sum(32, 0.0);
  for (size_t r = 0; r < kPrompt.size(); ++r) {
    for (size_t j = 0; j < 32; ++j) sum[j] += hidden[r * 32 + j];
  }
  for (size_t j = 0; j < 32; ++j) {
    EXPECT_NEAR(last[j], hidden[(kPrompt.size() - 1) * 32 + j], 1e-4f);
    EXPECT_NEAR(mean[j], sum[j] / kPrompt.size(), 1e-4f);
  }
}

}  // namespace
}  // namespace slimllm
