#include "engine/logprobs.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace slimllm {

TokenLogprob token_logprob(std::span<const float> logits, int32_t token, int top,
                           const TokenText& text) {
  // log p(i) = logit(i) - max - log Σ exp(logit(j) - max), summed in double.
  float max = -INFINITY;
  for (float l : logits) max = std::max(max, l);
  double sum = 0.0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  const double log_norm = static_cast<double>(max) + std::log(sum);
  auto logprob = [&](int32_t id) {
    return static_cast<float>(static_cast<double>(logits[static_cast<size_t>(id)]) - log_norm);
  };

  TokenLogprob out;
  out.token = text.token_text(token);
  out.logprob = logprob(token);
  const size_t n = std::min(static_cast<size_t>(std::max(top, 0)), logits.size());
  if (n == 0) return out;
  // The n best in one pass: a small sorted list, most likely first, ties by the lower id.
  auto better = [&](int32_t a, int32_t b) {
    const float la = logits[static_cast<size_t>(a)], lb = logits[static_cast<size_t>(b)];
    return la != lb ? la > lb : a < b;
  };
  std::vector<int32_t> best;
  best.reserve(n + 1);
  for (size_t i = 0; i < logits.size(); ++i) {
    const int32_t id = static_cast<int32_t>(i);
    if (best.size() == n && !better(id, best.back())) continue;
    best.insert(std::upper_bound(best.begin(), best.end(), id, better), id);
    if (best.size() > n) best.pop_back();
  }
  out.top.reserve(n);
  for (int32_t id : best) out.top.push_back(TokenAlternative{text.token_text(id), logprob(id)});
  return out;
}

}  // namespace slimllm
