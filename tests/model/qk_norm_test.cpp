// The q/k norms of qwen3 (and Gemma): an RMSNorm of each head of q and k, with its own weights,
// between the projections and the rotation. A one-layer qwen3 model's logits are held to a
// reference decoder written out here in doubles from the model's own F32 weights (keys and values
// rounded to F16 as the cache stores them), once with the head norms (must match) and once
// without them or with unit weights (must not: the norms and their weights change the answer, so
// the match is no accident of weights that ignore them).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "model/model.h"
#include "model/tiny_model.h"
#include "tensor/half.h"

namespace slimllm {
namespace {

using testing_models::TinyModelSpec;
using testing_models::write_tiny_model;

using Vec = std::vector<double>;

// y[rows] = W[rows, cols] · x[cols] for an F32 weight.
Vec matvec(const WeightView& w, const Vec& x) {
  EXPECT_EQ(w.type, DType::kF32);
  EXPECT_EQ(w.cols, static_cast<int64_t>(x.size()));
  Vec y(static_cast<size_t>(w.rows), 0.0);
  for (int64_t r = 0; r < w.rows; ++r) {
    const float* row = reinterpret_cast<const float*>(w.row(r));
    double sum = 0;
    for (int64_t c = 0; c < w.cols; ++c) sum += static_cast<double>(row[c]) * x[c];
    y[static_cast<size_t>(r)] = sum;
  }
  return y;
}

// RMSNorm of x[first, first + n) times weight[n], in place.
void rms_norm_ref(Vec& x, size_t first, size_t n, const std::vector<float>& weight, double eps) {
  double squares = 0;
  for (size_t i = 0; i < n; ++i) squares += x[first + i] * x[first + i];
  const double scale = 1.0 / std::sqrt(squares / static_cast<double>(n) + eps);
  for (size_t i = 0; i < n; ++i) x[first + i] *= scale * weight[i];
}

// NEOX rotation of each head of x[n_heads · head_dim] at `pos`: value i pairs with i + n_rot / 2.
void rope_neox_ref(Vec& x, int64_t n_heads, int64_t head_dim, int64_t n_rot, double base,
                   int64_t pos) {
  const int64_t half = n_rot / 2;
  for (int64_t h = 0; h < n_heads; ++h) {
    double* head = x.data() + h * head_dim;
    for (int64_t i = 0; i < half; ++i) {
      const double theta =
          static_cast<double>(pos) * std::pow(base, -2.0 * static_cast<double>(i) / n_rot);
      const double a = head[i], b = head[i + half];
      head[i] = a * std::cos(theta) - b * std::sin(theta);
      head[i + half] = a * std::sin(theta) + b * std::cos(theta);
    }
  }
}

enum class HeadNorms { kAsLoaded, kNone, kUnitWeights };

// The last token's logits of the prompt through the model's one layer, in doubles, with the head
// norms as loaded, left out, or with their weights replaced by ones.
Vec reference_logits(const Model& m, const std::vector<int32_t>& prompt, HeadNorms norms) {
  const ModelConfig& c = m.config();
  const DecoderWeights& w = m.weights();
  const LayerWeights& l = w.layers[0];
  const size_t E = static_cast<size_t>(c.n_embd), D = static_cast<size_t>(c.head_dim);
  std::vector<Vec> xs, ks, vs, qs;
  for (size_t t = 0; t < prompt.size(); ++t) {
    const float* e = reinterpret_cast<const float*>(w.token_embd.row(prompt[t]));
    Vec x(e, e + E);
    Vec xb = x;
    rms_norm_ref(xb, 0, E, l.attn_norm, c.norm_eps);
    Vec q = matvec(l.wq, xb), k = matvec(l.wk, xb), v = matvec(l.wv, xb);
    if (norms != HeadNorms::kNone) {
      const std::vector<float> ones(D, 1.0f);
      const bool unit = norms == HeadNorms::kUnitWeights;
      for (int64_t h = 0; h < c.n_head; ++h)
        rms_norm_ref(q, h * D, D, unit ? ones : l.q_norm, c.norm_eps);
      for (int64_t h = 0; h < c.n_head_kv; ++h)
        rms_norm_ref(k, h * D, D, unit ? ones : l.k_norm, c.norm_eps);
    }
    rope_neox_ref(q, c.n_head, c.head_dim, c.n_rot, c.rope_freq_base, static_cast<int64_t>(t));
    rope_neox_ref(k, c.n_head_kv, c.head_dim, c.n_rot, c.rope_freq_base, static_cast<int64_t>(t));
    // The cache holds keys and values in F16.
    for (Vec* kv : {&k, &v}) {
      for (double& value : *kv) value = f16_to_f32(f32_to_f16(static_cast<float>(value)));
    }
    xs.push_back(x);
    qs.push_back(q);
    ks.push_back(k);
    vs.push_back(v);
  }
  // Causal attention of the last token, grouped query heads over the shared key/value heads.
  const size_t last = prompt.size() - 1;
  const int64_t group = c.n_head / c.n_head_kv;
  Vec att(static_cast<size_t>(c.n_head) * D, 0.0);
  for (int64_t h = 0; h < c.n_head; ++h) {
    const size_t kv_head = static_cast<size_t>(h / group);
    Vec scores(last + 1);
    double top = -1e300;
    for (size_t t = 0; t <= last; ++t) {
      double dot = 0;
      for (size_t i = 0; i < D; ++i) dot += qs[last][h * D + i] * ks[t][kv_head * D + i];
      scores[t] = dot / std::sqrt(static_cast<double>(D));
      top = std::max(top, scores[t]);
    }
    double total = 0;
    for (double& s : scores) total += (s = std::exp(s - top));
    for (size_t t = 0; t <= last; ++t) {
      for (size_t i = 0; i < D; ++i) att[h * D + i] += scores[t] / total * vs[t][kv_head * D + i];
    }
  }
  Vec x = xs[last];
  const Vec out = matvec(l.wo, att);
  for (size_t i = 0; i < E; ++i) x[i] += out[i];
  // SwiGLU feed-forward, then the output norm and head.
  Vec xb = x;
  rms_norm_ref(xb, 0, E, l.ffn_norm, c.norm_eps);
  Vec gate = matvec(l.w_gate, xb);
  const Vec up = matvec(l.w_up, xb);
  for (size_t i = 0; i < gate.size(); ++i) gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
  const Vec down = matvec(l.w_down, gate);
  for (size_t i = 0; i < E; ++i) x[i] += down[i];
  rms_norm_ref(x, 0, E, w.output_norm, c.norm_eps);
  return matvec(w.output, x);
}

std::vector<float> model_logits(const Model& m, const std::vector<int32_t>& prompt) {
  KvCache kv = m.make_cache(32, 1);
  ForwardState state = m.make_state(16, 1);
  std::vector<BatchToken> batch;
  for (size_t i = 0; i < prompt.size(); ++i) {
    batch.push_back({prompt[i], static_cast<int32_t>(i), 0, i + 1 == prompt.size()});
  }
  const auto logits = m.forward(batch, kv, state, nullptr);
  return {logits.begin(), logits.end()};
}

double max_difference(const std::vector<float>& a, const Vec& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

TEST(QkNorm, Qwen3HeadNormsMatchAReferenceDecoder) {
  TinyModelSpec spec;
  spec.arch = "qwen3";
  spec.n_layer = 1;
  spec.head_dim = 16;  // wider than n_embd / n_head, as in Qwen3
  const std::string path = ::testing::TempDir() + "/qk-norm-qwen3.gguf";
  write_tiny_model(path, spec);
  auto m = load_model(std::make_shared<const GgufFile>(GgufFile::open(path)));
  ASSERT_EQ(m->weights().layers[0].q_norm.size(), 16u);
  ASSERT_EQ(m->weights().layers[0].k_norm.size(), 16u);
  ASSERT_TRUE(m->config().rope_neox);

  for (const std::vector<int32_t>& prompt :
       {std::vector<int32_t>{1, 5, 9, 14, 3, 27, 40, 11}, std::vector<int32_t>{2, 47, 30}}) {
    const std::vector<float> logits = model_logits(*m, prompt);
    const double as_loaded =
        max_difference(logits, reference_logits(*m, prompt, HeadNorms::kAsLoaded));
    const double none = max_difference(logits, reference_logits(*m, prompt, HeadNorms::kNone));
    const double unit =
        max_difference(logits, reference_logits(*m, prompt, HeadNorms::kUnitWeights));
    EXPECT_LT(as_loaded, 1e-4) << "prompt of " << prompt.size();
    // The norms, and their weights, move the logits far beyond that tolerance.
    EXPECT_GT(none, 0.1) << "prompt of " << prompt.size();
    EXPECT_GT(unit, 0.1) << "prompt of " << prompt.size();
  }
}

}  // namespace
}  // namespace slimllm
