// Writes GGUF models with the tensor names, shapes and metadata of real llama/qwen2/qwen3 models
// and random weights. Decode speed depends on shapes and types, not on what the weights mean, so
// these are the benchmark models; tiny ones serve the tests.
#pragma once

#include <cstdint>
#include <string>

namespace slimllm {

struct SyntheticSpec {
  std::string arch = "llama";  // llama, qwen2, qwen3, gemma2, gemma3, phi3 or granite
  int layers = 2;
  int embedding = 256;
  int heads = 4;
  int kv_heads = 2;
  int head_dim = 0;  // attention.key_length/value_length; 0: embedding / heads
  int ffn = 512;
  int vocab = 512;  // ignored when vocab_from is set (the vocabulary's size is used)
  int context = 4096;
  int pooling_type =
      -1;  // <arch>.pooling_type (an embedding model: Qwen3-Embedding's 3, last); -1: none
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
  bool tied_embeddings = true;
  bool qkv_bias = false;    // qwen2
  bool qk_norm = false;     // qwen3: attn_q_norm / attn_k_norm [head_dim] per layer
  bool rope_freqs = false;  // llama 3 frequency factors tensor
  bool post_norms = false;  // gemma2/gemma3: post_attention_norm / post_ffw_norm [n_embd] per layer
  float attn_softcap = 0;   // gemma2.attn_logit_softcapping; 0: not written
  float final_softcap = 0;  // gemma2.final_logit_softcapping; 0: not written
  // phi3: attn_qkv [q; k; v] and ffn_up [gate; up] fused, as llama.cpp's converter writes them.
  bool fused = false;
  int rope_dims = 0;  // rope.dimension_count; 0: the head size (phi3's partial rotary below it)
  // phi3 LongRoPE: > 0 writes rope.scaling.original_context_length, rope.scaling.attn_factor
  // (the converter's √(1 + ln(context/original) / ln(original))) and rope_factors_short/long.
  int longrope_original_context = 0;
  int sliding_window = -1;  // <arch>.attention.sliding_window; -1: not written
  // granite.{embedding_scale, residual_scale, attention.scale, logit_scale}; 0: not written.
  float granite_embedding_scale = 0.0f;
  float granite_residual_scale = 0.0f;
  float granite_attention_scale = 0.0f;
  float granite_logit_scale = 0.0f;
  // Weight sizes. Benchmark models need only plausible activations: matrices uniform in ±0.03,
  // embeddings in ±0.05. Test fixtures whose layers must matter set `matrix_gain` > 0: each
  // matrix is then uniform in ±gain·√(3/cols), so a projection keeps its input's size.
  float matrix_gain = 0.0f;
  float embedding_scale = 0.05f;
  float output_norm = 1.0f;  // center of output_norm.weight: scales the logits
  float post_norm = 1.0f;    // center of the post norms' weights: how much each sub-layer adds
  // "f32", "f16", "q8_0", "q4_0", "q4_k_m", "q4_k_s", "q6_k" ...: the weight recipe.
  std::string recipe = "f16";
  // A GGUF whose tokenizer.* keys (and, when its architecture matches, hyperparameters) are
  // copied. Empty: a byte-level toy vocabulary of `vocab` tokens.
  std::string vocab_from;
  uint64_t seed = 1;
  std::string name = "synthetic";
};

// Presets by name: "llama3.2-1b", "qwen2.5-3b", "qwen3-0.6b", "qwen3-1.7b", "gemma3-1b",
// "phi4-mini", "granite3.3-2b", "tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-gemma2",
// "tiny-gemma3", "tiny-phi3", "tiny-granite".
SyntheticSpec synthetic_preset(const std::string& name);

// Writes the model to `path`, quantizing with `threads` threads. Throws Error on failure.
void write_synthetic_model(const SyntheticSpec& spec, const std::string& path, int threads);

}  // namespace slimllm
