// Sliding-window layers keeping only a ring of cells (model/kv_cache.h): on the tiny Gemma
// fixtures (tests/data/decoders/, window 8), a ring cache gives the very logits of a full cache —
// prompts read in chunks, continuations far past the ring, context shifts — and llama.cpp's
// greedy tokens (gemma.json); its bytes are the window's; what it cannot continue from is refused.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/thread_pool.h"
#include "model/model.h"

namespace slimllm {
namespace {

const std::string kDir = std::string(SLIMLLM_DATA) + "/decoders/";

std::unique_ptr<Model> fixture(const std::string& name) {
  return load_model(std::make_shared<const GgufFile>(GgufFile::open(kDir + name)));
}

int32_t argmax(std::span<const float> logits) {
  int32_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[static_cast<size_t>(best)]) best = static_cast<int32_t>(i);
  }
  return best;
}

struct Greedy {
  std::vector<int32_t> tokens;
  std::vector<float> logits;  // every step's, concatenated
  int shifts = 0;
};

// Reads `prompt` in passes of `chunk` tokens, then takes `n` greedy steps; when the cache is full
// it shifts the context as the generation loop does (keep `keep`, drop half of the rest).
Greedy greedy(const Model& m, KvCache& kv, const std::vector<int32_t>& prompt, int n, int64_t chunk,
           int32_t keep, ThreadPool* pool) {
  ForwardState state = m.make_state(chunk, 1);
  Greedy r;
  std::span<const float> logits;
  for (size_t first = 0; first < prompt.size(); first += static_cast<size_t>(chunk)) {
    std::vector<BatchToken> batch;
    for (size_t i = first; i < prompt.size() && i < first + static_cast<size_t>(chunk); ++i) {
      batch.push_back({prompt[i], static_cast<int32_t>(i), 0, i + 1 == prompt.size()});
    }
    logits = m.forward(batch, kv, state, pool);
  }
  int32_t len = static_cast<int32_t>(prompt.size());
  for (int i = 0; i < n; ++i) {
    r.logits.insert(r.logits.end(), logits.begin(), logits.end());
    r.tokens.push_back(argmax(logits));
    if (len >= kv.n_ctx()) {
      const int32_t discard = (len - keep) / 2;
      m.shift_context(kv, 0, keep, discard, pool);
      len -= discard;
      ++r.shifts;
    }
    const BatchToken t{r.tokens.back(), len++, 0, true};
    logits = m.forward(std::span<const BatchToken>(&t, 1), kv, state, pool);
  }
  return r;
}

class Ring : public ::testing::TestWithParam<std::string> {};

// llama.cpp's continuations (window 8, 32 steps): the ring (15 cells with passes of 4) wraps
// many times and gives the full cache's logits bit for bit.
TEST_P(Ring, GivesTheFullCachesLogitsAndLlamaCppsTokens) {
  std::ifstream in(kDir + "gemma.json");
  const nlohmann::json ref = nlohmann::json::parse(in);
  const nlohmann::json& want = ref["models"][GetParam()];
  const std::unique_ptr<Model> m = fixture(GetParam());
  ThreadPool pool(2);
  for (size_t p = 0; p < want["prompts"].size(); ++p) {
    const auto prompt = want["prompts"][p].get<std::vector<int32_t>>();
    const int n = ref["n_predict"].get<int>();
    KvCache full = m->make_cache(256, 1);
    KvCache ring = m->make_cache(256, 1, true, 4);
    ASSERT_EQ(full.ring(), 0);
    ASSERT_EQ(ring.ring(), 15);  // max(8 + 4 - 1, 2·8 - 1)
    const Greedy a = greedy(*m, full, prompt, n, 4, 0, &pool);
    const Greedy b = greedy(*m, ring, prompt, n, 4, 0, &pool);
    EXPECT_EQ(b.tokens, want["gen_ids"][p].get<std::vector<int32_t>>()) << "prompt " << p;
    EXPECT_EQ(b.tokens, a.tokens) << "prompt " << p;
    EXPECT_EQ(b.logits, a.logits) << "prompt " << p;
    EXPECT_LT(ring.bytes(), full.bytes());
  }
}

// Context shifts (a 40-cell context, 120 steps): the ring's shifted cells are the full cache's.
TEST_P(Ring, AContextShiftGivesTheFullCachesTokens) {
  const std::unique_ptr<Model> m = fixture(GetParam());
  ThreadPool pool(2);
  const std::vector<int32_t> prompt = {5, 17, 200, 33, 8, 91, 140, 2, 77, 12, 250, 61, 9};
  for (int32_t keep : {0, 4, 13}) {
    KvCache full = m->make_cache(40, 1);
    KvCache ring = m->make_cache(40, 1, true, 4);
    const Greedy a = greedy(*m, full, prompt, 120, 4, keep, &pool);
    const Greedy b = greedy(*m, ring, prompt, 120, 4, keep, &pool);
    EXPECT_GE(b.shifts, 5);
    EXPECT_EQ(b.tokens, a.tokens) << "keep " << keep;
    EXPECT_EQ(b.logits, a.logits) << "keep " << keep;
  }
}

INSTANTIATE_TEST_SUITE_P(Gemma, Ring,
                         ::testing::Values("gemma3-f32.gguf", "gemma3-q8_0.gguf", "gemma2-f32.gguf"),
                         [](const auto& info) {
                           std::string s = info.param.substr(0, info.param.find('.'));
                           for (char& c : s) c = c == '-' ? '_' : c;
                           return s;
                         });

// gemma3's 6 layers, 5 of them local: 200 positions hold 200 cells in the global layer and the
// ring's 15 in each local one.
TEST(RingBytes, ASequenceHoldsTheWindowInItsLocalLayers) {
  const std::unique_ptr<Model> m = fixture("gemma3-f32.gguf");
  const int64_t kv_dim = m->config().kv_dim();
  KvCache kv = m->make_cache(256, 2, false, 4);
  kv.reserve(0, 200);
  const uint64_t cell = static_cast<uint64_t>(kv_dim) * 2 * sizeof(uint16_t);  // K and V, f16
  EXPECT_EQ(kv.bytes(), (1 * 200 + 5 * 15) * cell);
  EXPECT_EQ(kv.seq_bytes(200), (1 * 200 + 5 * 15) * cell);
  EXPECT_EQ(kv.seq_bytes(10), 6 * 10 * cell);  // short of the ring: every layer holds 10
  EXPECT_EQ(kv.cost_cells(200), (200 + 5 * 15 + 5) / 6);
  EXPECT_EQ(KvCache::bytes_for(6, 200, 1, kv_dim), 6 * 200 * cell);
  // Without a batch bound (the default) every layer holds the context.
  EXPECT_EQ(m->make_cache(256, 1).bytes(), 6 * 256 * cell);
}

// A pass longer than the ring allows is refused; a prefix whose window the ring dropped is not
// reusable; a shift that would need dropped cells is refused.
TEST(RingLimits, WhatTheRingNoLongerHoldsIsNeverRead) {
  const std::unique_ptr<Model> m = fixture("gemma3-f32.gguf");
  KvCache kv = m->make_cache(128, 1, true, 4);
  ForwardState state = m->make_state(16, 1);
  // The ring of 15 takes 15 - 8 + 1 = 8 tokens of a sequence per pass.
  std::vector<BatchToken> nine;
  for (int32_t i = 0; i < 9; ++i) nine.push_back({i + 1, i, 0, i == 8});
  EXPECT_THROW(m->forward(nine, kv, state, nullptr), Error);
  nine.pop_back();
  EXPECT_NO_THROW(m->forward(nine, kv, state, nullptr));
  kv.clear(0);
  for (int32_t pos = 0; pos < 64; ++pos) {
    const BatchToken t{pos % 300, pos, 0, true};
    m->forward(std::span<const BatchToken>(&t, 1), kv, state, nullptr);
  }
  EXPECT_EQ(kv.ring_start(0), 64 - 15);
  EXPECT_EQ(kv.reusable(0, 64), 64);
  EXPECT_EQ(kv.reusable(0, 56), 56);  // window [49, 56): held
  EXPECT_EQ(kv.reusable(0, 55), 0);   // needs position 48
  EXPECT_EQ(kv.reusable(0, 10), 0);
  // Keep 50, drop 10: the next token (position 54) reads 47..53, and 47..48 are gone.
  EXPECT_THROW(m->shift_context(kv, 0, 50, 10, nullptr), Error);
}

}  // namespace
}  // namespace slimllm
