#include "synthetic_encoder.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "base/error.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tensor/quantize.h"

namespace slimllm {

void write_synthetic_encoder(const SyntheticEncoderSpec& s, const std::string& path) {
  if (s.arch != "bert" && s.arch != "nomic-bert") fail("not an encoder architecture: ", s.arch);
  if (s.recipe != "f32" && s.recipe != "f16" && s.recipe != "q8_0")
    fail("encoder recipe must be f32, f16 or q8_0");
  if (s.heads <= 0 || s.embedding % s.heads != 0) fail("heads must divide the embedding");
  const bool bert = s.arch == "bert";
  const std::string& a = s.arch;
  const DType matrix_type = s.recipe == "f16"    ? DType::kF16
                           : s.recipe == "q8_0" ? DType::kQ8_0
                                                : DType::kF32;

  GgufWriter w;
  w.set_string("general.architecture", a);
  w.set_string("general.type", "model");
  w.set_string("general.name", "tiny " + a + " synthetic");
  // llama.cpp's file types: 0 all f32, 1 mostly f16, 7 mostly q8_0.
  w.set_uint32("general.file_type", s.recipe == "f16" ? 1 : s.recipe == "q8_0" ? 7 : 0);
  w.set_uint32(a + ".context_length", static_cast<uint32_t>(s.context));
  w.set_uint32(a + ".embedding_length", static_cast<uint32_t>(s.embedding));
  w.set_uint32(a + ".feed_forward_length", static_cast<uint32_t>(s.ffn));
  w.set_uint32(a + ".block_count", static_cast<uint32_t>(s.layers));
  w.set_uint32(a + ".attention.head_count", static_cast<uint32_t>(s.heads));
  w.set_float32(a + ".attention.layer_norm_epsilon", 1e-12f);
  w.set_bool(a + ".attention.causal", false);
  w.set_uint32(a + ".pooling_type", s.pooling_type);
  if (!bert) w.set_float32(a + ".rope.freq_base", 1000.0f);

  uint64_t vocab = 0;
  std::optional<GgufFile> vocab_file;
  if (!s.vocab_from.empty()) {
    vocab_file.emplace(GgufFile::open(s.vocab_from));
    for (const GgufKeyValue& kv : vocab_file->metadata()) {
      if (kv.key.rfind("tokenizer.", 0) == 0) w.set_value(kv.key, kv.value);
    }
    const GgufValue* copied = vocab_file->find("tokenizer.ggml.tokens");
    if (copied == nullptr) fail(s.vocab_from, ": no tokenizer.ggml.tokens to copy");
    vocab = copied->size();
    // An encoder's token-type table needs its row count (XLM-RoBERTa has one type).
    if (vocab_file->find("tokenizer.ggml.token_type_count") == nullptr)
      w.set_uint32("tokenizer.ggml.token_type_count", 2);
  } else {
    // WordPiece as llama.cpp's converter stores it: word starts carry "▁", continuations are bare.
    std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    std::vector<int32_t> types = {3, 2, 3, 3, 3};  // control, unknown, control ×3
    for (char c = 'a'; c <= 'z'; ++c) tokens.push_back("\xe2\x96\x81" + std::string(1, c));
    for (char c = 'a'; c <= 'z'; ++c) tokens.push_back(std::string(1, c));
    types.resize(tokens.size(), 1);  // normal
    std::vector<float> scores(tokens.size(), 0.0f);
    w.set_string("tokenizer.ggml.model", "bert");
    w.set_string("tokenizer.ggml.pre", "default");
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_array("tokenizer.ggml.scores", GgufType::kFloat32, scores.data(), scores.size());
    w.set_array("tokenizer.ggml.token_type", GgufType::kInt32, types.data(), types.size());
    w.set_uint32("tokenizer.ggml.token_type_count", 2);
    w.set_uint32("tokenizer.ggml.padding_token_id", 0);
    w.set_uint32("tokenizer.ggml.unknown_token_id", 1);
    w.set_uint32("tokenizer.ggml.bos_token_id", 2);
    w.set_uint32("tokenizer.ggml.cls_token_id", 2);
    w.set_uint32("tokenizer.ggml.seperator_token_id", 3);  // sic: llama.cpp's spelling
    w.set_uint32("tokenizer.ggml.mask_token_id", 4);
    // A reranker's pair is [BOS] query [EOS] [SEP] document [EOS]: with [SEP] as EOS too, the
    // fixture has every special of that layout, as XLM-RoBERTa rerankers do (</s> is both).
    if (s.pooling_type == 4) w.set_uint32("tokenizer.ggml.eos_token_id", 3);
    vocab = tokens.size();
  }
  if (!s.tokenizer_model.empty()) w.set_string("tokenizer.ggml.model", s.tokenizer_model);

  uint32_t counter = static_cast<uint32_t>(s.seed * 1000);
  // Normal values (mean, scale); matrices get scale 1/√cols so every projection keeps activations
  // near unit size and attention scores spread (a test then sees which tokens each one attends).
  auto add = [&](const std::string& name, std::vector<uint64_t> shape, DType type, float mean,
                 float scale) {
    const uint32_t seed = counter++;
    uint64_t count = 1;
    for (uint64_t d : shape) count *= d;
    w.add_tensor(name, type, shape, [=](uint8_t* dst, size_t) {
      std::mt19937 rng(seed);
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::vector<float> values(count);
      for (float& v : values) v = mean + scale * normal(rng);
      if (type == DType::kF32) {
        std::memcpy(dst, values.data(), count * sizeof(float));
      } else {
        quantize(type, values.data(), dst, static_cast<int64_t>(count));
      }
    });
  };
  const uint64_t E = static_cast<uint64_t>(s.embedding), F = static_cast<uint64_t>(s.ffn);
  const float proj = 1.0f / std::sqrt(static_cast<float>(E));
  const float down = 1.0f / std::sqrt(static_cast<float>(F));
  add("token_embd.weight", {E, vocab}, matrix_type, 0.0f, 1.0f);
  // Token types stay f32, as llama.cpp's converter keeps them.
  add("token_types.weight", {E, 2}, DType::kF32, 0.0f, 0.5f);
  if (bert)
    add("position_embd.weight", {E, static_cast<uint64_t>(s.context)}, matrix_type, 0.0f, 0.5f);
  add("token_embd_norm.weight", {E}, DType::kF32, 1.0f, 0.1f);
  add("token_embd_norm.bias", {E}, DType::kF32, 0.0f, 0.1f);
  for (int i = 0; i < s.layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    if (bert) {
      for (const char* m : {"attn_q", "attn_k", "attn_v"}) {
        add(p + m + ".weight", {E, E}, matrix_type, 0.0f, 2.0f * proj);
        add(p + m + ".bias", {E}, DType::kF32, 0.0f, 0.1f);
      }
    } else {
      add(p + "attn_qkv.weight", {E, 3 * E}, matrix_type, 0.0f, 2.0f * proj);
    }
    add(p + "attn_output.weight", {E, E}, matrix_type, 0.0f, proj);
    if (bert) add(p + "attn_output.bias", {E}, DType::kF32, 0.0f, 0.1f);
    add(p + "attn_output_norm.weight", {E}, DType::kF32, 1.0f, 0.1f);
    add(p + "attn_output_norm.bias", {E}, DType::kF32, 0.0f, 0.1f);
    if (!bert) add(p + "ffn_gate.weight", {E, F}, matrix_type, 0.0f, proj);
    add(p + "ffn_up.weight", {E, F}, matrix_type, 0.0f, proj);
    if (bert) add(p + "ffn_up.bias", {F}, DType::kF32, 0.0f, 0.1f);
    add(p + "ffn_down.weight", {F, E}, matrix_type, 0.0f, down);
    if (bert) add(p + "ffn_down.bias", {E}, DType::kF32, 0.0f, 0.1f);
    add(p + "layer_output_norm.weight", {E}, DType::kF32, 1.0f, 0.1f);
    add(p + "layer_output_norm.bias", {E}, DType::kF32, 0.0f, 0.1f);
  }
  if (s.pooling_type == 4) {
    // The classification head: dense + tanh, then one relevance logit.
    add("cls.weight", {E, E}, matrix_type, 0.0f, 2.0f * proj);
    add("cls.bias", {E}, DType::kF32, 0.0f, 0.1f);
    add("cls.output.weight", {E, 1}, matrix_type, 0.0f, 2.0f * proj);
    add("cls.output.bias", {1}, DType::kF32, 0.0f, 0.1f);
  }
  w.write(path);
}

}  // namespace slimllm
