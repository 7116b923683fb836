// TokenText over a model's own vocabulary. Generated control tokens are spelled out as Ollama
// streams them (a <s> mid-text appears as "<s>"); the generation loop stops at end-of-generation
// tokens before they reach push(), so those never appear.
#pragma once

#include "engine/token_text.h"
#include "tokenizer/tokenizer.h"

namespace slimllm {

class TokenizerText final : public TokenText {
 public:
  explicit TokenizerText(const Tokenizer& tokenizer)
      : tokenizer_(tokenizer), decoder_(tokenizer, /*render_special=*/true) {}

  bool is_end_of_generation(int32_t id) const override {
    return tokenizer_.is_end_of_generation(id);
  }
  std::string push(int32_t id) override { return decoder_.push(id); }
  std::string flush() override { return decoder_.flush(); }
  std::string token_text(int32_t id) const override { return tokenizer_.token_piece(id, true); }

 private:
  Tokenizer tokenizer_;
  StreamDecoder decoder_;
};

}  // namespace slimllm
