// Each sampling step on hand-made distributions, and the chain's guarantees.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "base/error.h"
#include "sampling/sampler.h"
#include "sampling/steps.h"

namespace slimllm {
namespace {

// Logits whose softmax is exactly `probs`.
std::vector<float> logits_of(const std::vector<float>& probs) {
  std::vector<float> l;
  for (float p : probs) l.push_back(std::log(p));
  return l;
}

std::set<int32_t> ids(const Candidates& c) {
  std::set<int32_t> s;
  for (const Candidate& x : c.items) s.insert(x.id);
  return s;
}

TEST(Steps, TopKKeepsTheKMostLikely) {
  Candidates c;
  c.reset(logits_of({0.1f, 0.4f, 0.2f, 0.3f}));
  apply_top_k(c, 2);
  EXPECT_EQ(ids(c), (std::set<int32_t>{1, 3}));
}

TEST(Steps, TopPStopsOnceTheMassIsReached) {
  Candidates c;
  c.reset(logits_of({0.1f, 0.4f, 0.2f, 0.3f}));
  apply_top_p(c, 0.69f);  // 0.4 + 0.3 reaches 0.69
  EXPECT_EQ(ids(c), (std::set<int32_t>{1, 3}));
  c.reset(logits_of({0.1f, 0.4f, 0.2f, 0.3f}));
  apply_top_p(c, 0.71f);  // needs the 0.2 as well
  EXPECT_EQ(ids(c), (std::set<int32_t>{1, 3, 2}));
}

TEST(Steps, MinPIsRelativeToTheMostLikely) {
  Candidates c;
  c.reset(logits_of({0.1f, 0.4f, 0.19f, 0.31f}));
  apply_min_p(c, 0.5f);  // threshold 0.2
  EXPECT_EQ(ids(c), (std::set<int32_t>{1, 3}));
}

TEST(Steps, TypicalPKeepsTokensNearTheEntropy) {
  // Entropy of {0.5, 0.25, 0.25} is 1.04 nats; -log 0.25 = 1.39 and -log 0.5 = 0.69 are about
  // equally far from it, so with p = 0.3 the first kept is the lower-id one among the closest.
  Candidates c;
  c.reset(logits_of({0.5f, 0.25f, 0.25f}));
  apply_typical_p(c, 0.99f);
  EXPECT_EQ(c.items.size(), 3u);
  Candidates d;
  d.reset(logits_of({0.7f, 0.1f, 0.1f, 0.1f}));
  // Entropy 0.94; surprises: 0.36 (id 0) and 2.30 (others): id 0 is the most typical.
  apply_typical_p(d, 0.5f);
  EXPECT_EQ(ids(d), (std::set<int32_t>{0}));
}

TEST(Steps, PenaltiesLowerSeenTokens) {
  Candidates c;
  c.reset(std::vector<float>{2.0f, -2.0f, 1.0f, 1.0f});
  std::vector<int32_t> counts(4, 0);
  const std::vector<int32_t> recent = {0, 1, 2, 2};
  apply_penalties(c, recent, 2.0f, 0.5f, 0.25f, counts);
  EXPECT_FLOAT_EQ(c.items[0].logit, 2.0f / 2 - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(c.items[1].logit, -2.0f * 2 - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(c.items[2].logit, 1.0f / 2 - 2 * 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(c.items[3].logit, 1.0f);  // unseen
  EXPECT_EQ(counts, (std::vector<int32_t>{0, 0, 0, 0}));
}

TEST(Steps, TemperatureSharpens) {
  Candidates c;
  c.reset(std::vector<float>{1.0f, 2.0f});
  apply_temperature(c, 0.5f);
  EXPECT_EQ(c.items[1].logit, 4.0f);
}

TEST(Steps, PickRandomFollowsTheCumulativeDistribution) {
  Candidates c;
  c.reset(logits_of({0.25f, 0.5f, 0.25f}));
  EXPECT_EQ(pick_random(c, 0.1), 0);
  EXPECT_EQ(pick_random(c, 0.3), 1);
  EXPECT_EQ(pick_random(c, 0.8), 2);
}

std::vector<float> random_logits(uint32_t seed, size_t n) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> l(n);
  for (float& x : l) x = normal(rng);
  return l;
}

TEST(Sampler, TemperatureZeroIsGreedy) {
  SamplerConfig o;
  o.temperature = 0;
  Sampler s(o, 100);
  auto l = random_logits(1, 100);
  const int32_t best = static_cast<int32_t>(std::max_element(l.begin(), l.end()) - l.begin());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(s.sample(l), best);
    s.accept(best);  // penalties do not apply when greedy
  }
}

TEST(Sampler, TopKOneEqualsGreedy) {
  SamplerConfig o;
  o.temperature = 1.5f;
  o.top_k = 1;
  o.repeat_penalty = 1.0f;
  Sampler s(o, 100);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    auto l = random_logits(seed, 100);
    EXPECT_EQ(s.sample(l), pick_greedy(l));
  }
}

TEST(Sampler, SameSeedSameTokensAndDifferentSeedDiffers) {
  SamplerConfig o;
  o.temperature = 1.0f;
  o.top_k = 0;
  o.top_p = 1.0f;
  o.seed = 42;
  auto draw = [&](int64_t seed) {
    SamplerConfig opt = o;
    opt.seed = seed;
    Sampler s(opt, 50);
    std::vector<int32_t> out;
    for (uint32_t i = 0; i < 40; ++i) {
      out.push_back(s.sample(random_logits(i, 50)));
      s.accept(out.back());
    }
    return out;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
}

TEST(Sampler, RepeatPenaltyAvoidsARecentToken) {
  SamplerConfig o;
  o.temperature = 0.01f;  // near-greedy, but through the chain
  o.repeat_penalty = 4.0f;
  o.repeat_last_n = 2;
  o.seed = 1;
  Sampler s(o, 3);
  const std::vector<float> l = {2.0f, 1.5f, 0.0f};
  EXPECT_EQ(s.sample(l), 0);
  s.accept(0);
  EXPECT_EQ(s.sample(l), 1);  // 2.0 / 4 < 1.5
  s.accept(1);
  s.accept(2);  // the window of 2 forgets token 0
  EXPECT_EQ(s.sample(l), 0);
}

TEST(Sampler, RejectsLogitsOfTheWrongSize) {
  Sampler s(SamplerConfig{}, 10);
  std::vector<float> l(9);
  EXPECT_THROW(s.sample(l), Error);
}

}  // namespace
}  // namespace slimllm
