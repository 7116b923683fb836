// Writes tiny GGUF encoders of the BERT family (bert, nomic-bert) with the tensor names, metadata
// and WordPiece vocabulary llama.cpp's converter writes, and random weights: the fixtures that hold
// slimllm's encoder forward pass to llama.cpp's (tests/data/encoders/).
#pragma once

#include <cstdint>
#include <string>

namespace slimllm {

struct SyntheticEncoderSpec {
  std::string arch = "bert";  // "bert" or "nomic-bert"
  int layers = 2;
  int embedding = 32;
  int heads = 4;
  int ffn = 64;
  int context = 64;            // bert: rows of position_embd
  uint32_t pooling_type = 1;   // 0 none, 1 mean, 2 cls, 3 last, 4 rank (adds a cls head)
  std::string recipe = "f32";  // "f32" or "f16" for the 2-D weights; 1-D ones stay f32
  uint64_t seed = 1;
  // A GGUF whose tokenizer.* keys replace the WordPiece vocabulary (as synthetic_model's
  // vocab_from), and a tokenizer.ggml.model to declare instead of the file's ("t5": read the
  // vocabulary as Unigram, as bge-m3's XLM-RoBERTa vocabulary is).
  std::string vocab_from;
  std::string tokenizer_model;
};

// The WordPiece vocabulary the fixtures carry: [PAD] [UNK] [CLS] [SEP] [MASK], then "▁a".."▁z"
// (word starts) and "a".."z" (continuations): 57 tokens. [CLS] is 2 and [SEP] 3.
inline constexpr int kSyntheticEncoderVocab = 57;

// Writes the model to `path`. Throws Error on failure.
void write_synthetic_encoder(const SyntheticEncoderSpec& spec, const std::string& path);

}  // namespace slimllm
