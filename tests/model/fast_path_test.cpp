// The fast kernels (the table chosen for this CPU) against the scalar reference on whole forward
// passes of small synthetic Q8_0 and Q4_K_M models (tools/synth_model's tiny presets): the top-1
// token must agree on at least 99% of the positions of a fixed token sequence, processed both as
// one prompt batch (the GEMM path) and token by token (the decode GEMV path).
//
// Logit tolerance: the fast path quantizes the activations to Q8_0 / Q8_K before each product
// (the reference multiplies by the f32 activations), about 0.4% relative error per product;
// through 2 layers the logits stay within 3% RMS of the reference's.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/dispatch.h"
#include "model/model.h"
#include "model/model_fixtures.h"
#include "synthetic_model.h"

namespace slimllm {
namespace {

constexpr int64_t kTokens = 100;

std::vector<int32_t> token_sequence(int64_t n_vocab) {
  std::vector<int32_t> ids;
  uint32_t x = 12345;
  for (int64_t i = 0; i < kTokens; ++i) {
    x = x * 1103515245u + 12345u;
    ids.push_back(static_cast<int32_t>((x >> 8) % static_cast<uint32_t>(n_vocab)));
  }
  return ids;
}

// Logits [kTokens][n_vocab]: one batch when `batched`, else one token per forward call.
std::vector<std::vector<float>> run(const Model& m, const std::vector<int32_t>& ids, bool batched,
                                    ThreadPool* pool) {
  KvCache kv = m.make_cache(kTokens + 4, 1);
  ForwardState state = m.make_state(kTokens, kTokens);
  const size_t v = static_cast<size_t>(m.config().n_vocab);
  std::vector<std::vector<float>> out;
  const size_t step = batched ? ids.size() : 1;
  for (size_t start = 0; start < ids.size(); start += step) {
    std::vector<BatchToken> batch;
    for (size_t i = start; i < std::min(ids.size(), start + step); ++i)
      batch.push_back({ids[i], static_cast<int32_t>(i), 0, true});
    const auto logits = m.forward(batch, kv, state, pool);
    for (size_t r = 0; r < batch.size(); ++r)
      out.emplace_back(logits.begin() + r * v, logits.begin() + (r + 1) * v);
  }
  return out;
}

size_t argmax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

struct Case {
  const char* preset;
  const char* recipe;
};

class FastPath : public ::testing::TestWithParam<Case> {
 protected:
  void TearDown() override { override_active_kernels(nullptr); }
};

TEST_P(FastPath, AgreesWithTheReference) {
  const Case c = GetParam();
  if (std::string(active_kernels().name) == "generic") {
    GTEST_SKIP() << "no fast kernels on this CPU (or SLIMLLM_CPU=generic)";
  }
  const KernelTable& fast = active_kernels();
  SyntheticSpec spec = synthetic_preset(c.preset);
  spec.recipe = c.recipe;
  const std::string path = ::testing::TempDir() + "/fast_path_" + c.preset + "_" + c.recipe + "_" +
                           std::to_string(::getpid()) + ".gguf";
  write_synthetic_model(spec, path, 1);
  const auto model = testing_models::open_model_file(path);
  const auto ids = token_sequence(model->config().n_vocab);
  ThreadPool pool(2);

  override_active_kernels(&reference_kernels());
  const auto want = run(*model, ids, true, nullptr);
  override_active_kernels(&fast);
  for (bool batched : {true, false}) {
    const auto got = run(*model, ids, batched, &pool);
    ASSERT_EQ(got.size(), want.size());
    int agree = 0;
    double diff = 0, norm = 0;
    for (size_t t = 0; t < got.size(); ++t) {
      agree += argmax(got[t]) == argmax(want[t]);
      for (size_t i = 0; i < got[t].size(); ++i) {
        diff += (got[t][i] - want[t][i]) * static_cast<double>(got[t][i] - want[t][i]);
        norm += want[t][i] * static_cast<double>(want[t][i]);
      }
    }
    const double rms = std::sqrt(diff / norm);
    RecordProperty(std::string(batched ? "batched" : "decode") + "_relative_rms",
                   std::to_string(rms));
    RecordProperty(std::string(batched ? "batched" : "decode") + "_top1_agree", agree);
    EXPECT_GE(agree, static_cast<int>(got.size() * 99 / 100))
        << fast.name << (batched ? " batched" : " decode") << ": top-1 agrees on " << agree
        << " of " << got.size();
    EXPECT_LT(rms, 0.03) << fast.name << (batched ? " batched" : " decode");
  }
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Synthetic, FastPath,
                         ::testing::Values(Case{"tiny-llama", "q8_0"}, Case{"tiny-llama", "q4_k_m"},
                                           Case{"tiny-qwen2", "q8_0"},
                                           Case{"tiny-qwen2", "q4_k_m"}),
                         [](const auto& info) {
                           std::string name =
                               std::string(info.param.preset) + "_" + info.param.recipe;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace slimllm
