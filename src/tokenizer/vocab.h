// The vocabulary a GGUF file carries under tokenizer.ggml.*, copied out of the file so it
// outlives it. Shared read-only by the encoders, the decoder and the special-token splitter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/token_index.h"

namespace slimllm {

class GgufFile;

// tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// tokenizer.ggml.model: "llama" (SentencePiece BPE), "gpt2" (byte-level BPE), "bert"
// (WordPiece), "t5" (SentencePiece unigram).
enum class VocabKind { kSentencePiece, kBytePairs, kWordPiece, kUnigram };

struct Vocab {
  VocabKind kind = VocabKind::kSentencePiece;
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("default" when absent)

  std::vector<std::string> texts;  // token texts as stored (▁ and byte-mapped spellings)
  std::vector<float> scores;       // SentencePiece scores; 0 when absent
  std::vector<TokenType> types;
  std::vector<std::string> pieces;  // the bytes each token decodes to (non-special tokens)
  std::vector<uint8_t> end_of_generation;

  // Token text -> id for texts ordinary text may produce (normal tokens); -1 when absent. The
  // first id wins when a text repeats.
  int32_t normal_id(std::string_view text) const { return normal_index.find(texts, text); }
  // Any token's text -> id; -1 when absent.
  int32_t any_id(std::string_view text) const { return all_index.find(texts, text); }
  TokenIndex normal_index;
  TokenIndex all_index;
  // SentencePiece byte-fallback tokens <0xXX>, or for byte-level BPE the token spelling each
  // byte; -1 when the vocabulary lacks it.
  int32_t byte_tokens[256];

  // Per token: whitespace a prompt loses next to it when it is matched as a special token.
  static constexpr uint8_t kStripLeft = 1, kStripRight = 2;
  std::vector<uint8_t> strip;

  int32_t bos = -1, eos = -1, eot = -1, eom = -1, unknown = -1, padding = -1, separator = -1;
  bool add_bos = false, add_eos = false, add_space_prefix = false;
  // WordPiece ends an encoded text with the separator ([SEP]) as BOS ([CLS]) starts it.
  bool add_sep = false;
  // Unigram: runs of whitespace become one space, and leading/trailing whitespace goes.
  bool remove_extra_whitespaces = false;
  // WordPiece vocabularies spelled the Hugging Face way ("##ing" continuations, bare word
  // starts) rather than llama.cpp's ("▁word" starts, bare continuations).
  bool hash_continuations = false;
  // decode drops the space in front of the first token: the one SentencePiece's encoder added,
  // or WordPiece's word separator.
  bool strip_leading_space = false;

  int32_t size() const { return static_cast<int32_t>(texts.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < size(); }
};

// Reads and checks the tokenizer.ggml.* keys. Throws Error naming the file and key when the
// vocabulary is missing or inconsistent.
Vocab load_vocab(const GgufFile& file);

}  // namespace slimllm
