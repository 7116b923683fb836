#include "model/config.h"

#include <cmath>
#include <numbers>

#include "base/error.h"
#include "kernels/ref/ref_kernels.h"

namespace slimllm {
namespace {

// Largest value any dimension may take: generous for real models, small enough that products of
// a few of them cannot overflow int64 or size an absurd allocation.
constexpr int64_t kMaxDimension = int64_t{1} << 24;

int64_t positive(const GgufFile& file, const std::string& key, int64_t value) {
  if (value <= 0 || value > kMaxDimension) {
    fail("model file ", file.path(), ": ", key, " = ", value, " is out of range (1..",
         kMaxDimension, ")");
  }
  return value;
}

}  // namespace

std::vector<float> llama3_rope_factors(int64_t n_rot, float freq_base, float factor,
                                       float low_freq_factor, float high_freq_factor,
                                       float original_context) {
  // Llama 3.1: long wavelengths slow down by `factor`, short ones stay, the band between blends.
  const double low_wavelen = original_context / low_freq_factor;
  const double high_wavelen = original_context / high_freq_factor;
  std::vector<float> factors(static_cast<size_t>(n_rot / 2));
  for (int64_t i = 0; i < n_rot / 2; ++i) {
    const double freq = std::pow(static_cast<double>(freq_base), -2.0 * i / n_rot);
    const double wavelen = 2 * std::numbers::pi / freq;
    double divisor = 1.0;
    if (wavelen > low_wavelen) {
      divisor = factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth =
          (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      divisor = 1.0 / ((1 - smooth) / factor + smooth);
    }
    factors[static_cast<size_t>(i)] = static_cast<float>(divisor);
  }
  return factors;
}

ModelConfig read_model_config(const GgufFile& file, const std::string& arch) {
  ModelConfig c;
  c.arch = arch;
  c.name = file.get_string("general.name");
  auto key = [&](const char* suffix) { return arch + "." + suffix; };
  auto required = [&](const char* suffix) {
    const std::string k = key(suffix);
    return positive(file, k, static_cast<int64_t>(file.require_uint(k)));
  };

  c.n_embd = required("embedding_length");
  c.n_layer = required("block_count");
  c.n_ff = required("feed_forward_length");
  c.n_head = required("attention.head_count");
  c.n_head_kv = positive(file, key("attention.head_count_kv"),
                         file.get_int(key("attention.head_count_kv"), c.n_head));
  c.n_ctx_train = positive(file, key("context_length"), file.get_int(key("context_length"), 2048));
  c.head_dim = positive(file, key("attention.key_length"),
                        file.get_int(key("attention.key_length"), c.n_embd / c.n_head));
  const int64_t value_length = file.get_int(key("attention.value_length"), c.head_dim);
  if (value_length != c.head_dim) {
    fail("model file ", file.path(), ": ", key("attention.value_length"), " = ", value_length,
         " differs from the key length ", c.head_dim, ", which slimllm does not support");
  }
  if (c.n_head % c.n_head_kv != 0) {
    fail("model file ", file.path(), ": ", key("attention.head_count"), " = ", c.n_head,
         " is not a multiple of ", key("attention.head_count_kv"), " = ", c.n_head_kv);
  }
  if (c.head_dim > ref::kMaxHeadDim) {
    fail("model file ", file.path(), ": head size ", c.head_dim, " exceeds the supported ",
         ref::kMaxHeadDim);
  }
  // RMSNorm models name their epsilon for it; LayerNorm models (the BERT family) the plain key.
  c.norm_eps = static_cast<float>(
      file.get_double(key("attention.layer_norm_rms_epsilon"),
                      file.get_double(key("attention.layer_norm_epsilon"), 1e-5)));
  c.causal = file.get_bool(key("attention.causal"), true);
  const int64_t pooling = file.get_int(key("pooling_type"), 0);
  if (pooling < 0 || pooling > static_cast<int64_t>(PoolingType::kRank)) {
    fail("model file ", file.path(), ": ", key("pooling_type"), " = ", pooling,
         " is not a pooling type (0 none, 1 mean, 2 cls, 3 last, 4 rank)");
  }
  c.pooling_type = static_cast<PoolingType>(pooling);
  c.n_token_types = file.get_int("tokenizer.ggml.token_type_count", 0);
  if (c.n_token_types < 0 || c.n_token_types > kMaxDimension) {
    fail("model file ", file.path(), ": tokenizer.ggml.token_type_count = ", c.n_token_types,
         " is out of range");
  }

  // The vocabulary size decides the embedding's shape; the tokens array is its usual source.
  if (file.has(key("vocab_size"))) {
    c.n_vocab = positive(file, key("vocab_size"), file.get_int(key("vocab_size"), 0));
  } else if (const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
             tokens != nullptr && tokens->is_array()) {
    c.n_vocab = positive(file, "tokenizer.ggml.tokens", static_cast<int64_t>(tokens->size()));
  } else if (const GgufTensorInfo* embd = file.find_tensor("token_embd.weight")) {
    c.n_vocab = positive(file, "token_embd.weight rows", static_cast<int64_t>(embd->dim(1)));
  } else {
    fail("model file ", file.path(), " has no vocabulary (tokenizer.ggml.tokens)");
  }

  c.n_rot = positive(file, key("rope.dimension_count"),
                     file.get_int(key("rope.dimension_count"), c.head_dim));
  if (c.n_rot > c.head_dim || c.n_rot % 2 != 0) {
    fail("model file ", file.path(), ": ", key("rope.dimension_count"), " = ", c.n_rot,
         " must be even and at most the head size ", c.head_dim);
  }
  c.rope_freq_base = static_cast<float>(file.get_double(key("rope.freq_base"), 10000.0));
  const std::string scaling = file.get_string(key("rope.scaling.type"), "none");
  const double factor = file.get_double(key("rope.scaling.factor"), 1.0);
  if (scaling == "linear" && factor > 0) {
    c.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (scaling == "llama3") {
    c.rope_factors = llama3_rope_factors(
        c.n_rot, c.rope_freq_base,
        static_cast<float>(file.get_double(key("rope.scaling.factor"), 8.0)),
        static_cast<float>(file.get_double(key("rope.scaling.low_freq_factor"), 1.0)),
        static_cast<float>(file.get_double(key("rope.scaling.high_freq_factor"), 4.0)),
        static_cast<float>(file.get_double(key("rope.scaling.original_context_length"), 8192)));
  } else if (scaling == "longrope") {
    // LongRoPE takes its factors from tensors (the architecture binds them); nothing to compute.
  } else if (scaling != "none" && !scaling.empty()) {
    fail("model file ", file.path(), ": ", key("rope.scaling.type"), " = '", scaling,
         "' is not supported (none, linear, llama3, longrope)");
  }
  c.rope_original_context =
      file.get_int(key("rope.scaling.original_context_length"), c.n_ctx_train);
  c.rope_attn_factor = static_cast<float>(file.get_double(key("rope.scaling.attn_factor"), 1.0));
  if (!(c.rope_attn_factor > 0.0f)) {
    fail("model file ", file.path(), ": ", key("rope.scaling.attn_factor"), " = ",
         c.rope_attn_factor, " must be positive");
  }
  return c;
}

}  // namespace slimllm
