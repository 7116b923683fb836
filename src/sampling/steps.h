// The sampling steps, each a small function over Candidates. A Sampler chains them as its options
// say; tests apply them one at a time to hand-made distributions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sampling/candidates.h"

namespace slimllm {

// Repetition penalties over `recent` (the last repeat_last_n tokens): a token seen c > 0 times
// has its logit divided by `repeat` (multiplied when negative), then lowered by
// c · frequency + presence. `counts` is caller-owned working memory indexed by token id (all zero
// on entry and on return).
void apply_penalties(Candidates& c, std::span<const int32_t> recent, float repeat, float frequency,
                     float presence, std::vector<int32_t>& counts);
// Keeps the k most likely. k ≤ 0 keeps all.
void apply_top_k(Candidates& c, int32_t k);
// Keeps the most likely tokens whose probabilities reach `p` together. p ≥ 1 keeps all.
void apply_top_p(Candidates& c, float p);
// Keeps tokens at least `p` times as likely as the most likely one. p ≤ 0 keeps all.
void apply_min_p(Candidates& c, float p);
// Locally typical sampling: keeps the tokens whose surprise is closest to the distribution's
// entropy, up to total probability `p`. p ≥ 1 keeps all.
void apply_typical_p(Candidates& c, float p);
// Divides the logits by `t` (> 0).
void apply_temperature(Candidates& c, float t);
// The id with the highest logit (the lowest id among equals).
int32_t pick_greedy(std::span<const float> logits);
// Draws from the softmax of the candidates with uniform `r` in [0, 1).
int32_t pick_random(Candidates& c, double r);

}  // namespace slimllm
