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

 private:
  struct Pattern;
  std::vector<std::unique_ptr<Pattern>> patterns_;
};

}  // namespace slimllm
