// The BERT-family encoders (bert, nomic-bert) against llama.cpp: tiny synthetic models in
// tests/data/encoders/, and llama.cpp's pooled embeddings of fixed token-id inputs
// (reference.json, from tools/encoder_reference/make_reference.mjs). Pooling is done here over
// forward()'s per-token hidden states, as the model file's pooling_type says.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

std::unique_ptr<Model> load(const std::string& name) { return testing_models::open_encoder(name); }

const nlohmann::json& reference() {
  static const nlohmann::json j = [] {
    std::ifstream in(testing_models::encoder_fixture("reference.json"));
    if (!in) throw std::runtime_error("missing tests/data/encoders/reference.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

std::vector<std::vector<int32_t>> inputs() {
  return reference()["inputs"].get<std::vector<std::vector<int32_t>>>();
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// rows[n, d] of one sequence pooled as the file says: the mean, the first ([CLS]) or the last row.
std::vector<float> pool(std::span<const float> rows, int64_t d, PoolingType pooling) {
  const int64_t n = static_cast<int64_t>(rows.size()) / d;
  std::vector<float> out(static_cast<size_t>(d), 0.0f);
  if (pooling == PoolingType::kMean) {
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t j = 0; j < d; ++j) out[j] += rows[r * d + j] / static_cast<float>(n);
    }
  } else {
    const int64_t r = pooling == PoolingType::kCls ? 0 : n - 1;
    std::copy_n(rows.begin() + r * d, d, out.begin());
  }
  return out;
}

// Runs the sequences as one batch (sequence i in cache slot i), tokens interleaved round-robin
// when `interleave`, and returns each one's pooled vector.
std::vector<std::vector<float>> embed_batch(const Model& m,
                                            const std::vector<std::vector<int32_t>>& seqs,
                                            bool interleave) {
  std::vector<BatchToken> batch;
  size_t longest = 0;
  for (const auto& s : seqs) longest = std::max(longest, s.size());
  if (interleave) {
    for (size_t p = 0; p < longest; ++p) {
      for (size_t i = 0; i < seqs.size(); ++i) {
        if (p < seqs[i].size()) {
          batch.push_back({seqs[i][p], static_cast<int32_t>(p), static_cast<int32_t>(i), true});
        }
      }
    }
  } else {
    for (size_t i = 0; i < seqs.size(); ++i) {
      for (size_t p = 0; p < seqs[i].size(); ++p) {
        batch.push_back({seqs[i][p], static_cast<int32_t>(p), static_cast<int32_t>(i), true});
      }
    }
  }
  const int64_t d = m.config().n_embd;
  KvCache kv = m.make_cache(64, static_cast<int64_t>(seqs.size()));
  ForwardState state =
      m.make_state(static_cast<int64_t>(batch.size()), static_cast<int64_t>(batch.size()));
  std::span<const float> out = m.forward(batch, kv, state, nullptr, OutputKind::kHidden);
  EXPECT_EQ(out.size(), batch.size() * static_cast<size_t>(d));
  // Gather each sequence's rows in position order, then pool.
  std::vector<std::vector<float>> rows(seqs.size());
  for (size_t r = 0; r < batch.size(); ++r) {
    auto& dst = rows[static_cast<size_t>(batch[r].seq)];
    dst.insert(dst.end(), out.begin() + static_cast<int64_t>(r) * d,
               out.begin() + static_cast<int64_t>(r + 1) * d);
  }
  std::vector<std::vector<float>> pooled;
  for (const auto& r : rows) pooled.push_back(pool(r, d, m.config().pooling_type));
  return pooled;
}

class EncoderReference : public ::testing::TestWithParam<std::string> {};

TEST_P(EncoderReference, OneSequenceAtATimeMatchesLlamaCpp) {
  const std::string name = GetParam();
  std::unique_ptr<Model> m = load(name);
  const auto& want = reference()["models"][name]["vectors"];
  const auto seqs = inputs();
  ASSERT_EQ(want.size(), seqs.size()) << name;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const std::vector<float> got = embed_batch(*m, {seqs[i]}, false)[0];
    const auto expected = want[i].get<std::vector<float>>();
    ASSERT_EQ(got.size(), expected.size());
    const double c = cosine(got, expected);
    EXPECT_GE(c, 0.9999) << name << " input " << i;
    RecordProperty(name + "_input" + std::to_string(i) + "_cosine", std::to_string(c));
  }
}

TEST_P(EncoderReference, SequencesBatchedTogetherMatchLlamaCpp) {
  const std::string name = GetParam();
  std::unique_ptr<Model> m = load(name);
  const auto& want = reference()["models"][name]["vectors"];
  for (bool interleave : {false, true}) {
    const auto got = embed_batch(*m, inputs(), interleave);
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_GE(cosine(got[i], want[i].get<std::vector<float>>()), 0.9999)
          << name << " input " << i << (interleave ? " interleaved" : "");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EncoderReference,
                         ::testing::Values("bert-f32-mean.gguf", "bert-f32-cls.gguf",
                                           "bert-f16-mean.gguf", "bert-f16-cls.gguf",
                                           "nomic-bert-f32-mean.gguf", "nomic-bert-f32-cls.gguf",
                                           "nomic-bert-f16-mean.gguf", "nomic-bert-f16-cls.gguf"),
                         [](const auto& info) {
                           std::string s = info.param.substr(0, info.param.size() - 5);
                           for (char& c : s)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return s;
                         });

TEST(Encoder, ReadsTheEncoderConfiguration) {
  std::unique_ptr<Model> bert = load("bert-f32-cls.gguf");
  const ModelConfig& c = bert->config();
  EXPECT_EQ(c.arch, "bert");
  EXPECT_TRUE(c.is_encoder);
  EXPECT_FALSE(c.causal);
  EXPECT_EQ(c.pooling_type, PoolingType::kCls);
  EXPECT_EQ(c.n_token_types, 2);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-12f);
  EXPECT_EQ(c.n_vocab, 57);
  EXPECT_EQ(c.n_ctx_train, 64);
  std::unique_ptr<Model> nomic = load("nomic-bert-f16-mean.gguf");
  EXPECT_EQ(nomic->config().arch, "nomic-bert");
  EXPECT_TRUE(nomic->config().is_encoder);
  EXPECT_EQ(nomic->config().pooling_type, PoolingType::kMean);
  EXPECT_TRUE(nomic->config().rope_neox);
  EXPECT_FLOAT_EQ(nomic->config().rope_freq_base, 1000.0f);
}

TEST(Encoder, AttentionIsBidirectionalWithinASequenceOnly) {
  std::unique_ptr<Model> m = load("bert-f32-mean.gguf");
  const int64_t d = m->config().n_embd;
  KvCache kv = m->make_cache(64, 2);
  ForwardState state = m->make_state(8, 8);
  auto first_row = [&](std::vector<BatchToken> batch) {
    std::span<const float> out = m->forward(batch, kv, state, nullptr, OutputKind::kHidden);
    return std::vector<float>(out.begin(), out.begin() + d);
  };
  // Changing a later token of the same sequence changes the first token's state (it sees ahead)…
  const auto a = first_row({{2, 0, 0, true}, {5, 1, 0, true}, {3, 2, 0, true}});
  const auto b = first_row({{2, 0, 0, true}, {6, 1, 0, true}, {3, 2, 0, true}});
  EXPECT_LT(cosine(a, b), 0.9999);
  // …while another sequence in the same batch changes nothing.
  const auto c = first_row({{2, 0, 0, true},
                            {5, 1, 0, true},
                            {3, 2, 0, true},
                            {2, 0, 1, true},
                            {9, 1, 1, true},
                            {3, 2, 1, true}});
  for (int64_t j = 0; j < d; ++j) EXPECT_NEAR(a[j], c[j], 1e-5f) << j;
}

TEST(Encoder, RefusesWhatAnEncoderCannotDo) {
  std::unique_ptr<Model> m = load("nomic-bert-f32-mean.gguf");
  KvCache kv = m->make_cache(64, 1);
  EXPECT_EQ(kv.n_layer(), 1);  // one layer's keys and values, reused by every layer
  ForwardState state = m->make_state(8, 8);
  const std::vector<BatchToken> ok = {{2, 0, 0, true}, {3, 1, 0, true}};
  EXPECT_THROW(m->forward(ok, kv, state, nullptr, OutputKind::kLogits), Error);
  EXPECT_NO_THROW(m->forward(ok, kv, state, nullptr, OutputKind::kHidden));
  // A sequence continued in a later call: an encoder keeps nothing between calls.
  const std::vector<BatchToken> later = {{5, 2, 0, true}};
  EXPECT_THROW(m->forward(later, kv, state, nullptr, OutputKind::kHidden), Error);
  EXPECT_THROW(m->shift_context(kv, 0, 0, 1, nullptr), Error);
  // Positions beyond the trained context (bert's position table has 64 rows).
  std::unique_ptr<Model> bert = load("bert-f32-mean.gguf");
  KvCache big = bert->make_cache(128, 1);
  ForwardState s2 = bert->make_state(80, 80);
  std::vector<BatchToken> long_batch;
  for (int32_t p = 0; p < 65; ++p) long_batch.push_back({5, p, 0, true});
  EXPECT_THROW(bert->forward(long_batch, big, s2, nullptr, OutputKind::kHidden), Error);
}

}  // namespace
}  // namespace slimllm
