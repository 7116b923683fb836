// SentencePiece-style encoding (tokenizer.ggml.model = llama): spaces become U+2581, the text
// starts as one symbol per UTF-8 character, and the adjacent pair whose joined text is the
// highest-scoring vocabulary token merges first (leftmost on ties) until no pair is a token.
// Characters left without a token fall back to their <0xXX> byte tokens.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace slimllm {

// Appends the ids of plain text (already prefixed with a space when the caller's rule says so)
// to `out`.
void spm_encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);

}  // namespace slimllm
