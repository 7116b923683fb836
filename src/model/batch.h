// A batch for one forward pass: tokens from one or more sequences, each with its position in its
// sequence. Within a batch, a sequence's tokens appear in order at consecutive positions; the first
// of them may be at most the sequence's current length (a lower position re-evaluates from there).
#pragma once

#include <cstdint>

namespace slimllm {

struct BatchToken {
  int32_t token = 0;
  int32_t pos = 0;      // position in its sequence, from 0
  int32_t seq = 0;      // sequence (KV cache slot) it belongs to
  bool output = false;  // return logits (or the hidden state) for this token
};

// What forward() returns for the tokens that ask.
enum class OutputKind {
  kLogits,  // [n_out, n_vocab]
  kHidden,  // [n_out, n_embd]: the final normed hidden state, for embeddings
};

}  // namespace slimllm
