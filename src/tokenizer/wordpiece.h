// WordPiece, the tokenizer of BERT-family encoders (tokenizer.ggml.model = "bert": bge, MiniLM,
// nomic-embed, ...), matching llama.cpp token for token on its test cases.
//
// Text is first cut into words the way BERT's basic tokenizer does (bert_words), then each word
// is covered greedily from the left by the longest vocabulary piece; a word with any position no
// piece starts at becomes the unknown token as a whole.
//
// Vocabularies spell word-initial and continuation pieces in one of two ways: llama.cpp's
// converter writes "▁word" for pieces that start a word and "ing" for continuations; Hugging
// Face's vocab.txt writes "word" and "##ing". Both are read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace slimllm {

// BERT's basic tokenization: decomposes (NFD) and drops non-spacing marks (accent stripping),
// lower-cases, drops control and format characters (and NUL, U+FFFD), splits on whitespace and
// splits every punctuation character, ASCII symbol and CJK ideograph into a word of its own.
// Always lower-cases and strips accents, as llama.cpp does for every bert vocabulary (GGUF files
// carry no do_lower_case key).
std::vector<std::string> bert_words(std::string_view text);

class WordPieceEncoder {
 public:
  // Throws Error when the vocabulary has no unknown token (every word must map to something).
  explicit WordPieceEncoder(const Vocab& vocab);

  void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const;

 private:
  void encode_word(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) const;

  size_t max_piece_bytes_ = 0;  // longest match worth trying
};

}  // namespace slimllm
