// The pre-tokenizers slimllm knows by their tokenizer.ggml.pre name: the split patterns and the
// tokenizer behaviours llama.cpp attaches to each name. Internal to the tokenizer library.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tokenizer/pretokenizer.h"

namespace slimllm {

struct PretokenizerSpec {
  const char* name;
  const char* const* patterns;  // applied in order, each refining the previous words
  size_t count;
  PretokenizerTraits traits;
};

// nullptr when `name` is not known.
const PretokenizerSpec* find_pretokenizer_spec(std::string_view name);
// "'default', 'gpt-2', ..." for messages.
std::string pretokenizer_names();

}  // namespace slimllm
