// Splits text into words before byte-level BPE, with the regular expressions the model's
// tokenizer was trained with (chosen by tokenizer.ggml.pre). PCRE2 with JIT and Unicode
// properties; compiled once, then safe to use from many threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

struct TextSpan {
  size_t begin = 0, end = 0;
};

// What llama.cpp attaches to a pre-tokenizer name besides its patterns.
struct PretokenizerTraits {
  // A whole word found in the vocabulary is taken as one token before any merging (Llama 3's
  // tokenizer.json ignore_merges); merging can split the same word differently.
  bool ignore_merges = false;
  // add_bos_token defaults to true when the file does not say.
  bool adds_bos = false;
  // The vocabulary has no default BOS id (11 otherwise): only the file's bos_token_id counts.
  bool no_default_bos = false;
};

class Pretokenizer {
 public:
  // Throws Error naming `pre` when it is not a pre-tokenizer slimllm knows.
  explicit Pretokenizer(std::string_view pre);
  ~Pretokenizer();
  Pretokenizer(const Pretokenizer&) = delete;
  Pretokenizer& operator=(const Pretokenizer&) = delete;

  // Word boundaries of `text`, in order, covering all of it. Each pattern refines the words the
  // previous one produced; text a pattern does not match stays a word of its own.
  std::vector<TextSpan> split(std::string_view text) const;

  // The names accepted for tokenizer.ggml.pre, for messages.
  static std::string known_names();
  // The behaviours tied to a name; throws Error as the constructor does for an unknown one.
  static PretokenizerTraits traits(std::string_view pre);

 private:
  struct Pattern;
  std::vector<std::unique_ptr<Pattern>> patterns_;
};

}  // namespace slimllm
