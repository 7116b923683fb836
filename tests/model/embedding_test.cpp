// embed_batch on the real stories260K (llama): packing several inputs into one forward pass, each
// its own sequence, gives each input the vector it gets alone — mixed lengths, passes that split,
// inputs longer than a pass — for each pooling; and pooling_of reads the file's pooling.
#include "model/embedding.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

const std::string kModel = testing_models::stories_model_path();

std::unique_ptr<Model> stories() { return testing_models::open_model_file(kModel); }

// Token ids 1..vocab of a few deterministic lengths (1 is BOS; the rest ordinary pieces).
std::vector<int32_t> tokens_of(int64_t len, int32_t seed) {
  std::vector<int32_t> t{1};
  for (int64_t i = 1; i < len; ++i)
    t.push_back(static_cast<int32_t>(3 + (seed * 37 + i * 11) % 500));
  return t;
}

// Relative L2 distance: batches of other shapes round differently, never by more than this.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * static_cast<double>(a[i] - b[i]);
    norm += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(diff / norm);
}

std::vector<float> alone(const Model& m, const std::vector<int32_t>& t, Pooling p) {
  KvCache kv = m.make_cache(static_cast<int64_t>(t.size()), 1);
  ForwardState state = m.make_state(static_cast<int64_t>(t.size()), static_cast<int64_t>(t.size()));
  return embed(m, t, p, kv, 0, state, nullptr);
}

class EmbedBatch : public ::testing::TestWithParam<Pooling> {};

TEST_P(EmbedBatch, EqualsOneAtATimeForMixedLengths) {
  auto m = stories();
  const Pooling pooling = GetParam();
  // Out of order on purpose: the batch sorts by length and must answer in the input order.
  const std::vector<int64_t> lengths = {7, 1, 30, 3, 3, 12, 60, 2, 25};
  std::vector<std::vector<int32_t>> inputs;
  for (size_t i = 0; i < lengths.size(); ++i)
    inputs.push_back(tokens_of(lengths[i], static_cast<int32_t>(i)));
  // 32-token passes: the 60-token input runs alone in chunks, the others are packed and split.
  ForwardState state = m->make_state(32, 32);
  const auto batched = embed_batch(*m, inputs, pooling, 128, state, nullptr);
  ASSERT_EQ(batched.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    SCOPED_TRACE("input " + std::to_string(i) + " of " + std::to_string(lengths[i]) + " tokens");
    const auto one = alone(*m, inputs[i], pooling);
    ASSERT_EQ(batched[i].size(), static_cast<size_t>(m->config().n_embd));
    EXPECT_LT(relative_error(batched[i], one), 1e-4);
  }
  // Different inputs, different vectors: sequences did not see each other or get swapped. (Not
  // for CLS: under causal attention every input's first token, BOS, has the same state.)
  if (pooling != Pooling::kCls) {
    EXPECT_GT(relative_error(batched[0], batched[5]), 1e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(Poolings, EmbedBatch,
                         ::testing::Values(Pooling::kMean, Pooling::kLast, Pooling::kCls));

TEST(EmbedBatchPacking, TheSameInputTwiceInOnePassGivesTheSameVector) {
  auto m = stories();
  const auto t = tokens_of(9, 4);
  ForwardState state = m->make_state(64, 64);
  const auto out = embed_batch(*m, std::vector<std::vector<int32_t>>{t, tokens_of(5, 1), t},
                               Pooling::kMean, 64, state, nullptr);
  EXPECT_EQ(out[0], out[2]) << "causal attention stayed within each sequence";
}

TEST(EmbedBatchPacking, MeanLastAndClsDiffer) {
  auto m = stories();
  const auto t = tokens_of(10, 2);
  ForwardState state = m->make_state(16, 16);
  const auto mean =
      embed_batch(*m, std::vector<std::vector<int32_t>>{t}, Pooling::kMean, 64, state, nullptr)[0];
  const auto last =
      embed_batch(*m, std::vector<std::vector<int32_t>>{t}, Pooling::kLast, 64, state, nullptr)[0];
  const auto cls =
      embed_batch(*m, std::vector<std::vector<int32_t>>{t}, Pooling::kCls, 64, state, nullptr)[0];
  EXPECT_GT(relative_error(mean, last), 1e-3);
  EXPECT_GT(relative_error(cls, last), 1e-3);
  // CLS is the first token's state: the same for any continuation of that token.
  const auto cls_other = embed_batch(*m, std::vector<std::vector<int32_t>>{tokens_of(4, 9)},
                                     Pooling::kCls, 64, state, nullptr)[0];
  EXPECT_LT(relative_error(cls, cls_other), 1e-6);
}

TEST(EmbedBatchPacking, RefusesEmptyAndTooLongInputs) {
  auto m = stories();
  ForwardState state = m->make_state(16, 16);
  EXPECT_THROW(
      embed_batch(*m, std::vector<std::vector<int32_t>>{{}}, Pooling::kMean, 64, state, nullptr),
      Error);
  EXPECT_THROW(embed_batch(*m, std::vector<std::vector<int32_t>>{tokens_of(65, 0)}, Pooling::kMean,
                           64, state, nullptr),
               Error);
  EXPECT_THROW(embed_batch(*m, std::vector<std::vector<int32_t>>{tokens_of(3, 0)}, Pooling::kRank,
                           64, state, nullptr),
               Error);
  EXPECT_TRUE(
      embed_batch(*m, std::vector<std::vector<int32_t>>{}, Pooling::kMean, 64, state, nullptr)
          .empty());
}

// stories260K declares no pooling: a decoder pools its last token. A file that declares one is
// read as llama.cpp numbers them (0, none, is the last token too); rank needs a head.
TEST(PoolingOf, DefaultsToLastForADecoderAndReadsTheKey) {
  EXPECT_EQ(pooling_of(*stories()), Pooling::kLast);
  const GgufFile original = GgufFile::open(kModel);
  const std::string path = ::testing::TempDir() + "/stories-pooled.gguf";
  for (const auto& [value, want] :
       {std::pair{1u, Pooling::kMean}, std::pair{2u, Pooling::kCls}, std::pair{3u, Pooling::kLast},
        std::pair{0u, Pooling::kLast}, std::pair{4u, Pooling::kRank}}) {
    testing_models::write_edited_copy(
        original, path, [&](GgufWriter& w) { w.set_uint32("llama.pooling_type", value); });
    auto m = testing_models::open_model_file(path);
    EXPECT_EQ(pooling_of(*m), want) << "pooling_type " << value;
    if (want == Pooling::kRank) {
      // A decoder that says rank has no classification head to score with.
      const std::vector<float> pooled(static_cast<size_t>(m->config().n_embd), 0.5f);
      EXPECT_THROW(m->classify(pooled), Error);
    }
  }
}

}  // namespace
}  // namespace slimllm
