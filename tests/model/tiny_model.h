// Writes tiny synthetic llama/qwen2/qwen3 models with GgufWriter, for tests that need a model whose
// shapes they control (batching, context shift, binding errors, the generation loop).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gguf/writer.h"
#include "tensor/dtype.h"
#include "tensor/quantize.h"

namespace slimllm::testing_models {

struct TinyModelSpec {
  std::string arch = "llama";
  int64_t n_vocab = 48;
  int64_t n_embd = 32;
  int64_t n_layer = 2;
  int64_t n_head = 4;
  int64_t n_head_kv = 2;
  int64_t n_ff = 40;
  int64_t head_dim = 0;  // attention.key_length; 0: n_embd / n_head (and no key written)
  float q_scale = 1.0f;  // multiplies every attn_q.weight value
  int64_t n_ctx = 128;
  bool tied = false;
  bool rope_freqs = false;
  DType type = DType::kF32;  // of the 2-D weights
  std::string drop;          // a tensor to leave out
  std::string misshape;      // a tensor written one row short
  std::string drop_key;      // a metadata key to leave out
  uint32_t seed = 7;
};

inline void fill_random(float* dst, size_t n, uint32_t seed, float mean, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t i = 0; i < n; ++i) dst[i] = mean + scale * normal(rng);
}

inline void write_tiny_model(const std::string& path, const TinyModelSpec& s) {
  GgufWriter w;
  const std::string a = s.arch;
  w.set_string("general.architecture", a);
  w.set_string("general.name", "tiny");
  w.set_uint32(a + ".context_length", static_cast<uint32_t>(s.n_ctx));
  w.set_uint32(a + ".embedding_length", static_cast<uint32_t>(s.n_embd));
  w.set_uint32(a + ".block_count", static_cast<uint32_t>(s.n_layer));
  w.set_uint32(a + ".feed_forward_length", static_cast<uint32_t>(s.n_ff));
  w.set_uint32(a + ".attention.head_count", static_cast<uint32_t>(s.n_head));
  w.set_uint32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.n_head_kv));
  w.set_float32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
  w.set_float32(a + ".rope.freq_base", 10000.0f);
  w.set_uint32(a + ".vocab_size", static_cast<uint32_t>(s.n_vocab));

  const int64_t head_dim = s.head_dim > 0 ? s.head_dim : s.n_embd / s.n_head;
  if (s.head_dim > 0) {
    w.set_uint32(a + ".attention.key_length", static_cast<uint32_t>(s.head_dim));
    w.set_uint32(a + ".attention.value_length", static_cast<uint32_t>(s.head_dim));
  }
  const int64_t q_dim = s.n_head * head_dim;
  const int64_t kv_dim = s.n_head_kv * head_dim;
  uint32_t counter = s.seed;
  auto add = [&](const std::string& name, std::vector<uint64_t> shape, bool matrix, float mean,
                 float scale, float multiplier = 1.0f) {
    if (name == s.drop) return;
    if (name == s.misshape) shape.back() -= 1;
    const DType type = matrix ? s.type : DType::kF32;
    const uint32_t seed = counter++;
    uint64_t count = 1;
    for (uint64_t d : shape) count *= d;
    w.add_tensor(name, type, shape, [=](uint8_t* dst, size_t) {
      std::vector<float> values(count);
      fill_random(values.data(), count, seed, mean, scale);
      for (float& v : values) v *= multiplier;
      if (type == DType::kF32) {
        std::memcpy(dst, values.data(), count * sizeof(float));
      } else {
        quantize(type, values.data(), dst, count);
      }
    });
  };
  const uint64_t E = static_cast<uint64_t>(s.n_embd);
  add("token_embd.weight", {E, static_cast<uint64_t>(s.n_vocab)}, true, 0.0f, 1.0f);
  add("output_norm.weight", {E}, false, 1.0f, 0.1f);
  if (!s.tied) add("output.weight", {E, static_cast<uint64_t>(s.n_vocab)}, true, 0.0f, 0.3f);
  if (s.rope_freqs)
    add("rope_freqs.weight", {static_cast<uint64_t>(head_dim / 2)}, false, 2.0f, 0.5f);
  const float proj = 1.0f / std::sqrt(static_cast<float>(s.n_embd));
  for (int64_t i = 0; i < s.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    add(p + "attn_norm.weight", {E}, false, 1.0f, 0.1f);
    add(p + "attn_q.weight", {E, static_cast<uint64_t>(q_dim)}, true, 0.0f, proj, s.q_scale);
    add(p + "attn_k.weight", {E, static_cast<uint64_t>(kv_dim)}, true, 0.0f, proj);
    add(p + "attn_v.weight", {E, static_cast<uint64_t>(kv_dim)}, true, 0.0f, proj);
    if (a == "qwen2") {
      add(p + "attn_q.bias", {static_cast<uint64_t>(q_dim)}, false, 0.0f, 0.1f);
      add(p + "attn_k.bias", {static_cast<uint64_t>(kv_dim)}, false, 0.0f, 0.1f);
      add(p + "attn_v.bias", {static_cast<uint64_t>(kv_dim)}, false, 0.0f, 0.1f);
    }
    if (a == "qwen3") {
      add(p + "attn_q_norm.weight", {static_cast<uint64_t>(head_dim)}, false, 1.0f, 0.3f);
      add(p + "attn_k_norm.weight", {static_cast<uint64_t>(head_dim)}, false, 1.0f, 0.3f);
    }
    add(p + "attn_output.weight", {static_cast<uint64_t>(q_dim), E}, true, 0.0f, proj);
    add(p + "ffn_norm.weight", {E}, false, 1.0f, 0.1f);
    add(p + "ffn_gate.weight", {E, static_cast<uint64_t>(s.n_ff)}, true, 0.0f, proj);
    add(p + "ffn_up.weight", {E, static_cast<uint64_t>(s.n_ff)}, true, 0.0f, proj);
    add(p + "ffn_down.weight", {static_cast<uint64_t>(s.n_ff), E}, true, 0.0f,
        1.0f / std::sqrt(static_cast<float>(s.n_ff)));
  }
  if (!s.drop_key.empty()) w.remove(s.drop_key);
  w.write(path);
}

}  // namespace slimllm::testing_models
