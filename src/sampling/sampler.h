// Chooses each next token from the logits: the steps of steps.h chained as the options say
// (penalties → top_k → typical_p → top_p → min_p → temperature → draw), or the most likely token
// when temperature is 0. The same seed and options give the same tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <vector>

#include "sampling/candidates.h"
#include "sampling/options.h"

namespace slimllm {

class Sampler {
 public:
  // n_vocab sizes the working memory once, so sample() does not allocate.
  Sampler(const SamplerConfig& options, int64_t n_vocab);

  // The next token from logits [n_vocab].
  int32_t sample(std::span<const float> logits);
  // Records a token of the context (prompt or generated) for the penalties.
  void accept(int32_t token);
  void clear_history() { history_.clear(); }

  const SamplerConfig& options() const { return options_; }

 private:
  SamplerConfig options_;
  std::vector<std::function<void(Candidates&)>> chain_;
  Candidates candidates_;
  std::vector<int32_t> history_;  // the last repeat_last_n accepted tokens
  std::vector<int32_t> counts_;   // [n_vocab] working memory of the penalties
  std::mt19937_64 rng_;
};

}  // namespace slimllm
