// What the generation loop (generate.h) runs its tokens through: one sequence's cached tokens and
// the forward passes that extend them. A Session runs its passes itself; a StepLoop's sequence
// (step_loop.h) hands them to the loop that batches every running sequence of a model together.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/model.h"

namespace slimllm {

class SequenceContext {
 public:
  virtual ~SequenceContext() = default;

  virtual const Model& model() const = 0;
  // Positions this sequence may use (its num_ctx).
  virtual int64_t num_ctx() const = 0;
  // The tokens whose keys and values the cache holds, in order. The generation loop appends to
  // it what it evaluates.
  virtual std::vector<int32_t>& tokens() = 0;
  // Keeps the first `count` cached tokens (and cells), dropping the rest.
  virtual void keep_prefix(size_t count) = 0;
  // Runs `tokens` at positions start, start + 1, ... and returns the logits of the last one,
  // valid until the next call.
  virtual std::span<const float> evaluate(std::span<const int32_t> tokens, int32_t start) = 0;
  // Drops `discard` cells after the first `keep` (Model::shift_context); tokens() is the
  // caller's to update.
  virtual void shift(int32_t keep, int32_t discard) = 0;
};

}  // namespace slimllm
