// Tiny synthetic decoders of the newer architectures (tests/data/decoders/, written by
// tools/synth_model) against llama.cpp: greedy continuations of fixed prompts, token for token,
// with each step's top logit close to llama.cpp's (reference.json, from
// tools/decoder_reference/make_reference.mjs). The reference keeps only prompts whose every step
// leads the runner-up by at least its min_margin (0.3), so numeric noise cannot flip a token; the
// test checks slimllm's own lead too.
//
// Noise, measured with every kernel set (SLIMLLM_CPU=generic..amx): the top logits (about 5 to
// 15) differ from llama.cpp's by at most 0.002 with F32 weights and 0.03 with Q8_0 and Q4_K_M
// (the two quantize activations differently); kTopTolerance leaves room for other CPUs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

constexpr float kTopTolerance = 0.1f;

// reference.json (qwen3) or another architecture's file (phi3.json, granite.json, ...).
nlohmann::json reference(const std::string& file = "reference.json") {
  std::ifstream in(testing_models::decoder_fixture(file));
  if (!in) throw std::runtime_error("missing tests/data/decoders/" + file);
  return nlohmann::json::parse(in);
}

struct Step {
  int32_t token;
  float top;     // the token's logit
  float margin;  // its lead over the runner-up
};

Step best(std::span<const float> logits) {
  Step s{-1, -INFINITY, 0.0f};
  float second = -INFINITY;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] > s.top) {
      second = s.top;
      s.top = logits[i];
      s.token = static_cast<int32_t>(i);
    } else if (logits[i] > second) {
      second = logits[i];
    }
  }
  s.margin = s.top - second;
  return s;
}

// n greedy steps after `prompt` (one batch), then one token per pass.
// `n_ctx`: the cache's context, llama.cpp's when it made the reference (phi3's LongRoPE factors
// depend on it).
std::vector<Step> greedy(const Model& model, const std::vector<int32_t>& prompt, int n,
                         ThreadPool* pool, int64_t n_ctx = 256) {
  KvCache kv = model.make_cache(n_ctx, 1);
  ForwardState state = model.make_state(64, 1);
  std::vector<BatchToken> batch = testing_models::prompt_batch(prompt);
  std::vector<Step> out;
  int32_t pos = static_cast<int32_t>(prompt.size());
  for (int i = 0; i < n; ++i) {
    out.push_back(best(model.forward(batch, kv, state, pool)));
    batch = {{out.back().token, pos++, 0, true}};
  }
  return out;
}

// A model file and the reference file holding llama.cpp's continuations of it.
struct Fixture {
  std::string model;
  std::string reference = "reference.json";
};

void PrintTo(const Fixture& f, std::ostream* os) { *os << f.reference << ":" << f.model; }

class DecoderReference : public ::testing::TestWithParam<Fixture> {};

TEST_P(DecoderReference, GreedyContinuationsMatchLlamaCpp) {
  const std::string name = GetParam().model;
  const nlohmann::json ref = reference(GetParam().reference);
  const nlohmann::json& want = ref["models"][name];
  ASSERT_TRUE(want.is_object()) << name << " is not in " << GetParam().reference;
  std::unique_ptr<Model> model = testing_models::open_decoder(name);
  const int n = ref["n_predict"].get<int>();
  const float min_margin = ref["min_margin"].get<float>();
  const int64_t n_ctx = ref.value("n_ctx", 256);
  ASSERT_GE(n, 32);
  ASSERT_GE(want["prompts"].size(), 3u);
  ThreadPool pool(2);
  for (size_t p = 0; p < want["prompts"].size(); ++p) {
    const auto prompt = want["prompts"][p].get<std::vector<int32_t>>();
    const auto ids = want["gen_ids"][p].get<std::vector<int32_t>>();
    const auto tops = want["top_logits"][p].get<std::vector<float>>();
    const std::vector<Step> got = greedy(*model, prompt, n, &pool, n_ctx);
    std::vector<int32_t> got_ids;
    for (const Step& s : got) got_ids.push_back(s.token);
    EXPECT_EQ(got_ids, ids) << name << " prompt " << p;
    for (size_t i = 0; i < got.size() && i < ids.size() && got_ids[i] == ids[i]; ++i) {
      EXPECT_NEAR(got[i].top, tops[i], kTopTolerance) << name << " prompt " << p << " step " << i;
      EXPECT_GE(got[i].margin, min_margin / 2) << name << " prompt " << p << " step " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, DecoderReference,
    ::testing::Values(Fixture{"qwen3-f32.gguf"}, Fixture{"qwen3-q8_0.gguf"},
                      Fixture{"qwen3-q4_k_m.gguf"},
                      // phi3: a context of 1024, beyond the original 512 (long LongRoPE
                      // factors), and of 256 (short ones)
                      Fixture{"phi3-f32.gguf", "phi3.json"}, Fixture{"phi3-q8_0.gguf", "phi3.json"},
                      Fixture{"phi3-q4_k_m.gguf", "phi3.json"},
                      Fixture{"phi3-f32.gguf", "phi3-short.json"},
                      Fixture{"phi3-q8_0.gguf", "phi3-short.json"},
                      Fixture{"granite-f32.gguf", "granite.json"},
                      Fixture{"granite-q8_0.gguf", "granite.json"},
                      Fixture{"granite-q4_k_m.gguf", "granite.json"},
                      // gemma: windows of 8, so every continuation runs past them
                      Fixture{"gemma2-f32.gguf", "gemma.json"}, Fixture{"gemma2-q8_0.gguf", "gemma.json"},
                      Fixture{"gemma3-f32.gguf", "gemma.json"}, Fixture{"gemma3-q8_0.gguf", "gemma.json"},
                      Fixture{"gemma3-q4_k_m.gguf", "gemma.json"}),
    [](const auto& info) {
      const Fixture& f = info.param;
      std::string s = f.model.substr(0, f.model.size() - 5);
      if (f.reference != "reference.json") s += "_" + f.reference.substr(0, f.reference.size() - 5);
      for (char& c : s) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return s;
    });

}  // namespace
}  // namespace slimllm
