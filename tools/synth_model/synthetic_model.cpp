#include "synthetic_model.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "base/error.h"
#include "base/log.h"
#include "base/thread_pool.h"
#include "gguf/reader.h"
#include "gguf/writer.h"
#include "tensor/quantize.h"

namespace slimllm {
namespace {

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t hash_name(const std::string& name) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Uniform values in [-scale, scale] from a counter-based generator, so rows can be filled in
// parallel and the model is the same for the same seed whatever the thread count.
void fill_row(uint64_t seed, float center, float scale, float* out, int64_t n) {
  uint64_t state = mix(seed);
  for (int64_t i = 0; i < n; ++i) {
    state = mix(state);
    double unit = static_cast<double>(state >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
    out[i] = center + scale * static_cast<float>(2.0 * unit - 1.0);
  }
}

struct Recipe {
  DType base;
  DType embedding;  // token_embd.weight
  DType output;     // output.weight (or token_embd when tied)
  DType more_bits;  // attn_v and ffn_down on the "more bits" layers
};

Recipe recipe_for(const std::string& name) {
  if (name == "q4_k_m") return {DType::kQ4_K, DType::kQ4_K, DType::kQ6_K, DType::kQ6_K};
  if (name == "q4_k_s") return {DType::kQ4_K, DType::kQ4_K, DType::kQ6_K, DType::kQ4_K};
  auto type = dtype_from_name(name);
  if (!type || !can_quantize(*type)) fail("unknown weight recipe '", name, "'");
  return {*type, *type, *type, *type};
}

uint32_t file_type_for(const std::string& recipe) {
  if (recipe == "f32") return 0;
  if (recipe == "f16") return 1;
  if (recipe == "q4_0") return 2;
  if (recipe == "q4_1") return 3;
  if (recipe == "q8_0") return 7;
  if (recipe == "q5_0") return 8;
  if (recipe == "q5_1") return 9;
  if (recipe == "q4_k_s") return 14;
  if (recipe == "q4_k_m") return 15;
  if (recipe == "q5_k") return 17;
  if (recipe == "q6_k") return 18;
  if (recipe == "bf16") return 32;
  return 1;
}

// llama.cpp's Q4_K_M gives more bits to the first and last eighth of the layers and every third
// layer in between.
bool use_more_bits(int layer, int layers) {
  return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

// The type actually used: a type whose block does not divide the row falls back to Q8_0, then F16.
DType fit(DType wanted, int64_t row) {
  if (row % traits(wanted).block_size == 0) return wanted;
  if (row % 32 == 0) return DType::kQ8_0;
  return DType::kF16;
}

// A preset's size: what differs between models of one architecture.
struct Shape {
  int layers, embedding, heads, kv_heads, head_dim, ffn, vocab, context;
};

// The tiny-llama and tiny-qwen2 size (SyntheticSpec's defaults).
constexpr Shape kToyShape{2, 256, 4, 2, 0, 512, 512, 4096};
// The decoder test fixtures' size (tests/data/decoders/).
constexpr Shape kFixtureShape{2, 32, 4, 2, 16, 64, 320, 1024};

// What every model of an architecture has whatever its size (the traits the writer's switches
// name: qwen2's biases, qwen3's and gemma3's q/k norms, gemma's post norms, phi3's fused
// matrices, granite's multipliers), at the given size.
SyntheticSpec sized(const std::string& arch, const Shape& shape, const std::string& name) {
  SyntheticSpec s;
  s.arch = arch;
  s.layers = shape.layers;
  s.embedding = shape.embedding;
  s.heads = shape.heads;
  s.kv_heads = shape.kv_heads;
  s.head_dim = shape.head_dim;
  s.ffn = shape.ffn;
  s.vocab = shape.vocab;
  s.context = shape.context;
  s.name = name;
  const bool gemma = arch == "gemma2" || arch == "gemma3";
  if (arch == "qwen2" || arch == "qwen3" || arch == "gemma3") s.rope_base = 1000000.0f;
  if (arch == "qwen2" || arch == "qwen3" || gemma) s.rms_eps = 1e-6f;
  s.rope_freqs = arch == "llama";
  s.qkv_bias = arch == "qwen2";
  s.qk_norm = arch == "qwen3" || arch == "gemma3";
  s.post_norms = gemma;
  s.fused = arch == "phi3";
  if (arch == "granite") {
    s.granite_embedding_scale = 12.0f;
    s.granite_residual_scale = 0.22f;
    s.granite_logit_scale = 8.0f;
  }
  return s;
}

// A test fixture: every layer counts (gain 0.5: enough to matter, little enough that the
// quantized files' rounding noise does not grow through the layers), logits about ±5, and an
// output matrix of its own (tied to the embedding, a random model repeats its input).
SyntheticSpec fixture(const std::string& arch, const Shape& shape, const std::string& name) {
  SyntheticSpec s = sized(arch, shape, name);
  s.matrix_gain = 0.5f;
  s.embedding_scale = 1.0f;
  s.output_norm = 4.0f;
  s.tied_embeddings = false;
  return s;
}

}  // namespace

SyntheticSpec synthetic_preset(const std::string& name) {
  SyntheticSpec s;
  if (name == "llama3.2-1b") {
    s = sized("llama", {16, 2048, 32, 8, 0, 8192, 128256, 131072},
              "Llama-3.2-1B synthetic (random weights)");
    s.rope_base = 500000.0f;
  } else if (name == "qwen2.5-3b") {
    s = sized("qwen2", {36, 2048, 16, 2, 0, 11008, 151936, 32768},
              "Qwen2.5-3B synthetic (random weights)");
  } else if (name == "qwen3-0.6b") {
    s = sized("qwen3", {28, 1024, 16, 8, 128, 3072, 151936, 40960},
              "Qwen3-0.6B synthetic (random weights)");
  } else if (name == "qwen3-1.7b") {
    s = sized("qwen3", {28, 2048, 16, 8, 128, 6144, 151936, 40960},
              "Qwen3-1.7B synthetic (random weights)");
  } else if (name == "gemma3-1b") {
    // Gemma 3 1B: 26 layers, 4 heads of 256 over 1152, one KV head, window 512, a 262k vocabulary
    // tied to the output.
    s = sized("gemma3", {26, 1152, 4, 1, 256, 6912, 262144, 32768},
              "Gemma-3-1B synthetic (random weights)");
    s.sliding_window = 512;
  } else if (name == "phi4-mini") {
    // Phi-4-mini-instruct's shape: 3.8B, 3/4 of each head rotated, LongRoPE over 4096.
    s = sized("phi3", {32, 3072, 24, 8, 0, 8192, 200064, 131072},
              "Phi-4-mini synthetic (random weights)");
    s.rope_dims = 96;
    s.longrope_original_context = 4096;
    s.sliding_window = 262144;
  } else if (name == "granite3.3-2b") {
    s = sized("granite", {40, 2048, 32, 8, 0, 8192, 49159, 131072},
              "Granite-3.3-2B synthetic (random weights)");
    s.rope_base = 10000000.0f;
    s.granite_attention_scale = 0.015625f;
  } else if (name == "tiny-llama" || name == "tiny-qwen2") {
    const std::string arch = name.substr(5);
    s = sized(arch, kToyShape, "tiny " + arch + " synthetic");
  } else if (name == "tiny-qwen3") {
    // Heads wider than embedding / heads, as Qwen3's are.
    s = fixture("qwen3", kFixtureShape, "tiny qwen3 synthetic");
  } else if (name == "tiny-gemma2" || name == "tiny-gemma3") {
    // A window of 8 so that prompts and continuations run well past it; gemma3 needs 6 layers for
    // one global layer.
    const bool g3 = name == "tiny-gemma3";
    const std::string arch = name.substr(5);
    Shape shape = kFixtureShape;
    shape.layers = g3 ? 6 : 2;
    s = fixture(arch, shape, "tiny " + arch + " synthetic");
    s.sliding_window = 8;
    if (!g3) {
      // Caps low enough that the tiny model's scores and logits reach into them, logits that do
      // not saturate the final cap, and sub-layers that outweigh the (tied) embedding.
      s.attn_softcap = 0.5f;
      s.final_softcap = 10.0f;
      s.output_norm = 1.0f;
      s.post_norm = 3.0f;
      // gemma2 always reads its logits from the embedding (llama.cpp); gemma3 may have its own.
      s.tied_embeddings = true;
    }
  } else if (name == "tiny-phi3") {
    // The test fixture (tests/data/decoders/phi3-*): fused q/k/v and gate/up, 12 of each head's
    // 16 values rotated, grouped-query attention as Phi-4-mini's, and LongRoPE over an original
    // context of 512, so a context of 256 takes the short factors and one of 1024 the long.
    // Named "tiny Phi-style", not "phi3": llama.cpp then marks Phi-3 tokens.
    s = fixture("phi3", {2, 64, 4, 2, 0, 96, 320, 4096}, "tiny Phi-style synthetic");
    s.rope_dims = 12;
    s.longrope_original_context = 512;
    s.sliding_window = 16;  // llama.cpp ignores Phi's window; a test shows slimllm does too
    s.output_norm = 8.0f;
  } else if (name == "tiny-granite") {
    // The test fixture (tests/data/decoders/granite-*): Granite 3.3's multipliers (its
    // residual and logit scales; attention.scale 1/8 over heads of 16, where 1/√16 = 1/4).
    s = fixture("granite", {2, 64, 4, 2, 0, 96, 320, 1024}, "tiny granite synthetic");
    s.granite_attention_scale = 0.125f;
    s.embedding_scale = 0.1f;
    s.output_norm = 64.0f;  // the logits ÷ 8 come out about ±8
  } else {
    fail("unknown preset '", name,
         "' (llama3.2-1b, qwen2.5-3b, qwen3-0.6b, qwen3-1.7b, gemma3-1b, phi4-mini, "
         "granite3.3-2b, tiny-llama, tiny-qwen2, tiny-qwen3, tiny-gemma2, tiny-gemma3, tiny-phi3, "
         "tiny-granite)");
  }
  return s;
}

void write_synthetic_model(const SyntheticSpec& spec, const std::string& path, int threads) {
  if (spec.arch != "llama" && spec.arch != "qwen2" && spec.arch != "qwen3" &&
      spec.arch != "gemma2" && spec.arch != "gemma3" && spec.arch != "phi3" &&
      spec.arch != "granite")
    fail("unsupported architecture '", spec.arch, "'");
  if (spec.heads <= 0 || spec.kv_heads <= 0 || spec.heads % spec.kv_heads != 0 ||
      (spec.head_dim <= 0 && spec.embedding % spec.heads != 0))
    fail("inconsistent head counts: embedding ", spec.embedding, ", heads ", spec.heads,
         ", kv heads ", spec.kv_heads, ", head size ", spec.head_dim);
  const Recipe recipe = recipe_for(spec.recipe);
  const std::string& a = spec.arch;
  const int head_dim = spec.head_dim > 0 ? spec.head_dim : spec.embedding / spec.heads;
  const int q_dim = head_dim * spec.heads;
  const int kv_dim = head_dim * spec.kv_heads;

  GgufWriter writer;
  std::optional<GgufFile> vocab_file;
  int vocab = spec.vocab;
  writer.set_string("general.architecture", a);
  writer.set_string("general.type", "model");
  writer.set_string("general.name", spec.name);
  writer.set_uint32(a + ".context_length", spec.context);
  if (spec.pooling_type >= 0) writer.set_uint32(a + ".pooling_type", spec.pooling_type);
  writer.set_uint32(a + ".embedding_length", spec.embedding);
  writer.set_uint32(a + ".block_count", spec.layers);
  writer.set_uint32(a + ".feed_forward_length", spec.ffn);
  writer.set_uint32(a + ".attention.head_count", spec.heads);
  writer.set_uint32(a + ".attention.head_count_kv", spec.kv_heads);
  writer.set_float32(a + ".rope.freq_base", spec.rope_base);
  writer.set_float32(a + ".attention.layer_norm_rms_epsilon", spec.rms_eps);
  writer.set_uint32(a + ".attention.key_length", head_dim);
  writer.set_uint32(a + ".attention.value_length", head_dim);
  const int rope_dims = spec.rope_dims > 0 ? spec.rope_dims : head_dim;
  writer.set_uint32(a + ".rope.dimension_count", rope_dims);
  if (spec.longrope_original_context > 0) {
    const double scale = static_cast<double>(spec.context) / spec.longrope_original_context;
    writer.set_uint32(a + ".rope.scaling.original_context_length", spec.longrope_original_context);
    writer.set_float32(
        a + ".rope.scaling.attn_factor",
        scale > 1.0
            ? static_cast<float>(std::sqrt(1.0 + std::log(scale) /
                                                     std::log(spec.longrope_original_context)))
            : 1.0f);
  }
  if (spec.sliding_window >= 0) {
    writer.set_uint32(a + ".attention.sliding_window", spec.sliding_window);
  }
  if (spec.granite_embedding_scale > 0)
    writer.set_float32(a + ".embedding_scale", spec.granite_embedding_scale);
  if (spec.granite_residual_scale > 0)
    writer.set_float32(a + ".residual_scale", spec.granite_residual_scale);
  if (spec.granite_attention_scale > 0)
    writer.set_float32(a + ".attention.scale", spec.granite_attention_scale);
  if (spec.granite_logit_scale > 0)
    writer.set_float32(a + ".logit_scale", spec.granite_logit_scale);
  writer.set_uint32("general.file_type", file_type_for(spec.recipe));
  if (spec.attn_softcap > 0) writer.set_float32(a + ".attn_logit_softcapping", spec.attn_softcap);
  if (spec.final_softcap > 0)
    writer.set_float32(a + ".final_logit_softcapping", spec.final_softcap);
  if (!spec.vocab_from.empty()) {
    vocab_file.emplace(GgufFile::open(spec.vocab_from));
    for (const GgufKeyValue& kv : vocab_file->metadata()) {
      if (kv.key.substr(0, 10) == "tokenizer.") writer.set_value(kv.key, kv.value);
    }
    const GgufValue* tokens = vocab_file->find("tokenizer.ggml.tokens");
    if (tokens == nullptr) fail(spec.vocab_from, ": no tokenizer.ggml.tokens to copy");
    vocab = static_cast<int>(tokens->size());
  } else {
    // A SentencePiece-style toy vocabulary: specials, the 256 byte tokens, then filler pieces.
    if (vocab < 259 + 1) fail("a toy vocabulary needs at least 260 tokens, not ", vocab);
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<float> scores = {0, 0, 0};
    std::vector<int32_t> types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      tokens.emplace_back(name);
      scores.push_back(0);
      types.push_back(6);
    }
    for (int i = static_cast<int>(tokens.size()); i < vocab; ++i) {
      tokens.push_back("\xe2\x96\x81t" + std::to_string(i));
      scores.push_back(-static_cast<float>(i));
      types.push_back(1);
    }
    writer.set_string("tokenizer.ggml.model", "llama");
    writer.set_string_array("tokenizer.ggml.tokens", tokens);
    writer.set_array("tokenizer.ggml.scores", GgufType::kFloat32, scores.data(), scores.size());
    writer.set_array("tokenizer.ggml.token_type", GgufType::kInt32, types.data(), types.size());
    writer.set_uint32("tokenizer.ggml.bos_token_id", 1);
    writer.set_uint32("tokenizer.ggml.eos_token_id", 2);
    writer.set_uint32("tokenizer.ggml.unknown_token_id", 0);
  }
  writer.set_uint32(a + ".vocab_size", vocab);

  auto pool = std::make_shared<ThreadPool>(threads);
  const uint64_t seed = spec.seed;
  // A weight matrix of `rows` rows of `cols` values, quantized row by row.
  auto matrix = [&](const std::string& name, int64_t cols, int64_t rows, DType wanted,
                    float scale) {
    if (spec.matrix_gain > 0 && name != "token_embd.weight") {
      scale = spec.matrix_gain * std::sqrt(3.0f / static_cast<float>(cols));
    }
    DType type = fit(wanted, cols);
    uint64_t tensor_seed = hash_name(name) ^ mix(seed);
    size_t row_size = row_bytes(type, cols);
    writer.add_tensor(name, type, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)},
                      [=](uint8_t* dst, size_t) {
                        pool->parallel_for(rows, [&](int64_t begin, int64_t end) {
                          std::vector<float> values(cols);
                          for (int64_t r = begin; r < end; ++r) {
                            fill_row(tensor_seed + r, 0.0f, scale, values.data(), cols);
                            quantize(type, values.data(), dst + r * row_size, cols);
                          }
                        });
                      });
  };
  auto vector = [&](const std::string& name, int64_t n, float center, float scale) {
    uint64_t tensor_seed = hash_name(name) ^ mix(seed);
    writer.add_tensor(name, DType::kF32, {static_cast<uint64_t>(n)}, [=](uint8_t* dst, size_t) {
      std::vector<float> values(n);
      fill_row(tensor_seed, center, scale, values.data(), n);
      std::memcpy(dst, values.data(), n * sizeof(float));
    });
  };

  const float w = 0.03f;  // weight scale: keeps activations in a sane range through the layers
  DType embedding_type = spec.tied_embeddings ? recipe.output : recipe.embedding;
  matrix("token_embd.weight", spec.embedding, vocab, embedding_type, spec.embedding_scale);
  if (spec.rope_freqs) vector("rope_freqs.weight", head_dim / 2, 1.0f, 0.0f);
  if (spec.longrope_original_context > 0) {
    // Short factors near 1, long ones spread over [1, 7]: the two rotate visibly differently.
    vector("rope_factors_long.weight", rope_dims / 2, 4.0f, 3.0f);
    vector("rope_factors_short.weight", rope_dims / 2, 1.05f, 0.05f);
  }
  vector("output_norm.weight", spec.embedding, spec.output_norm, 0.1f * spec.output_norm);
  if (!spec.tied_embeddings) matrix("output.weight", spec.embedding, vocab, recipe.output, w);
  for (int l = 0; l < spec.layers; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    bool more = use_more_bits(l, spec.layers);
    vector(p + "attn_norm.weight", spec.embedding, 1.0f, 0.1f);
    if (spec.fused) {
      matrix(p + "attn_qkv.weight", spec.embedding, q_dim + 2 * kv_dim,
             more ? recipe.more_bits : recipe.base, w);
    } else {
      matrix(p + "attn_q.weight", spec.embedding, q_dim, recipe.base, w);
      matrix(p + "attn_k.weight", spec.embedding, kv_dim, recipe.base, w);
      matrix(p + "attn_v.weight", spec.embedding, kv_dim, more ? recipe.more_bits : recipe.base,
             w);
    }
    if (spec.qkv_bias) {
      vector(p + "attn_q.bias", q_dim, 0.0f, 0.02f);
      vector(p + "attn_k.bias", kv_dim, 0.0f, 0.02f);
      vector(p + "attn_v.bias", kv_dim, 0.0f, 0.02f);
    }
    if (spec.qk_norm) {
      vector(p + "attn_q_norm.weight", head_dim, 1.0f, 0.5f);
      vector(p + "attn_k_norm.weight", head_dim, 1.0f, 0.5f);
    }
    matrix(p + "attn_output.weight", q_dim, spec.embedding, recipe.base, w);
    if (spec.post_norms)
      vector(p + "post_attention_norm.weight", spec.embedding, spec.post_norm,
             0.1f * spec.post_norm);
    vector(p + "ffn_norm.weight", spec.embedding, 1.0f, 0.1f);
    if (spec.fused) {
      matrix(p + "ffn_up.weight", spec.embedding, 2 * spec.ffn, recipe.base, w);
    } else {
      matrix(p + "ffn_gate.weight", spec.embedding, spec.ffn, recipe.base, w);
      matrix(p + "ffn_up.weight", spec.embedding, spec.ffn, recipe.base, w);
    }
    matrix(p + "ffn_down.weight", spec.ffn, spec.embedding, more ? recipe.more_bits : recipe.base,
           w);
    if (spec.post_norms)
      vector(p + "post_ffw_norm.weight", spec.embedding, spec.post_norm, 0.1f * spec.post_norm);
  }
  log_info("writing synthetic model", {{"path", path},
                                       {"arch", a},
                                       {"layers", spec.layers},
                                       {"recipe", spec.recipe},
                                       {"vocab", vocab}});
  writer.write(path);
}

}  // namespace slimllm
