// synth_model: writes a synthetic GGUF model for benchmarks and tests.
//   synth_model --preset llama3.2-1b --recipe q8_0 --vocab-from ggml-vocab-llama-bpe.gguf -o m.gguf
#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/cgroup.h"
#include "base/error.h"
#include "synthetic_encoder.h"
#include "synthetic_model.h"

int main(int argc, char** argv) {
  CLI::App app{"Writes a synthetic GGUF model (real shapes, random weights)"};
  std::string preset = "tiny-llama", recipe = "f16", vocab_from, out;
  int threads = slimllm::available_cpus();
  int layers = 0, embedding = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn = 0, vocab = 0;
  uint64_t seed = 1;
  uint32_t pooling = 1;
  app.add_option("--preset", preset,
                 "llama3.2-1b, qwen2.5-3b, qwen3-0.6b, qwen3-1.7b, gemma3-1b, phi4-mini, "
                 "granite3.3-2b, tiny-llama, tiny-qwen2, tiny-qwen3, tiny-gemma2, tiny-gemma3, "
                 "tiny-phi3, tiny-granite; encoders: tiny-bert, tiny-nomic-bert, nomic-embed-text "
                 "(its shape: "
                 "137M parameters; recipe f32, f16 or q8_0)");
  app.add_option("--pooling", pooling,
                 "encoders: pooling_type (0 none, 1 mean, 2 cls, 3 last, 4 rank)");
  app.add_option("--recipe", recipe, "f32, f16, bf16, q8_0, q4_0, q4_k_m, q4_k_s, q6_k, ...");
  app.add_option("--vocab-from", vocab_from, "GGUF whose tokenizer.* keys are copied");
  std::string tokenizer_model;
  app.add_option("--tokenizer-model", tokenizer_model,
                 "encoders: the tokenizer.ggml.model to declare (t5 reads the vocabulary as "
                 "Unigram)");
  app.add_option("--layers", layers, "override the layer count");
  app.add_option("--embedding", embedding, "override the embedding length");
  app.add_option("--heads", heads, "override the attention head count");
  app.add_option("--kv-heads", kv_heads, "override the key/value head count");
  app.add_option("--head-dim", head_dim, "override the head size (key_length)");
  app.add_option("--ffn", ffn, "override the feed-forward length");
  int rope_dims = 0;
  app.add_option("--rope-dims", rope_dims, "override rope.dimension_count (partial rotary)");
  app.add_option("--vocab", vocab, "override the toy vocabulary's size");
  app.add_option("--seed", seed, "random seed");
  app.add_option("--threads", threads, "quantization threads");
  app.add_option("-o,--output", out, "output .gguf")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    if (preset == "tiny-bert" || preset == "tiny-nomic-bert" || preset == "nomic-embed-text") {
      slimllm::SyntheticEncoderSpec spec;
      if (preset == "nomic-embed-text") {
        // nomic-embed-text v1.5's shape (the vocabulary stays the fixtures' 57 WordPiece
        // tokens: an embedding lookup costs the same from any table).
        spec.arch = "nomic-bert";
        spec.layers = 12;
        spec.embedding = 768;
        spec.heads = 12;
        spec.ffn = 3072;
        spec.context = 2048;
      } else {
        spec.arch = preset.substr(5);
      }
      spec.recipe = recipe;
      spec.pooling_type = pooling;
      spec.seed = seed;
      spec.vocab_from = vocab_from;
      spec.tokenizer_model = tokenizer_model;
      if (layers > 0) spec.layers = layers;
      slimllm::write_synthetic_encoder(spec, out);
      return 0;
    }
    slimllm::SyntheticSpec spec = slimllm::synthetic_preset(preset);
    spec.recipe = recipe;
    spec.vocab_from = vocab_from;
    spec.seed = seed;
    if (layers > 0) spec.layers = layers;
    if (embedding > 0) spec.embedding = embedding;
    if (heads > 0) spec.heads = heads;
    if (kv_heads > 0) spec.kv_heads = kv_heads;
    if (head_dim > 0) spec.head_dim = head_dim;
    if (ffn > 0) spec.ffn = ffn;
    if (rope_dims > 0) spec.rope_dims = rope_dims;
    if (vocab > 0) spec.vocab = vocab;
    if (app.count("--pooling") > 0) spec.pooling_type = static_cast<int>(pooling);
    slimllm::write_synthetic_model(spec, out, threads);
  } catch (const slimllm::Error& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  return 0;
}
