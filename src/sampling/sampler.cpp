#include "sampling/sampler.h"

#include <algorithm>

#include "base/error.h"
#include "sampling/steps.h"

namespace slimllm {

Sampler::Sampler(const SamplerConfig& o, int64_t n_vocab) : options_(o) {
  if (n_vocab <= 0) fail("sampler: vocabulary size ", n_vocab, " is not positive");
  counts_.assign(static_cast<size_t>(n_vocab), 0);
  candidates_.items.reserve(static_cast<size_t>(n_vocab));
  history_.reserve(static_cast<size_t>(std::max<int32_t>(o.repeat_last_n, 0)) + 1);
  rng_.seed(o.seed >= 0 ? static_cast<uint64_t>(o.seed) : std::random_device{}());

  if (o.repeat_last_n != 0 &&
      (o.repeat_penalty != 1.0f || o.frequency_penalty != 0.0f || o.presence_penalty != 0.0f)) {
    chain_.push_back([this](Candidates& c) {
      apply_penalties(c, history_, options_.repeat_penalty, options_.frequency_penalty,
                      options_.presence_penalty, counts_);
    });
  }
  if (o.top_k > 0) chain_.push_back([k = o.top_k](Candidates& c) { apply_top_k(c, k); });
  if (o.typical_p < 1.0f)
    chain_.push_back([p = o.typical_p](Candidates& c) { apply_typical_p(c, p); });
  if (o.top_p < 1.0f) chain_.push_back([p = o.top_p](Candidates& c) { apply_top_p(c, p); });
  if (o.min_p > 0.0f) chain_.push_back([p = o.min_p](Candidates& c) { apply_min_p(c, p); });
  chain_.push_back([t = o.temperature](Candidates& c) { apply_temperature(c, t); });
}

int32_t Sampler::sample(std::span<const float> logits) {
  if (logits.size() != counts_.size()) {
    fail("sampler: ", logits.size(), " logits for a vocabulary of ", counts_.size());
  }
  if (options_.temperature <= 0.0f) return pick_greedy(logits);
  candidates_.reset(logits);
  for (const auto& step : chain_) step(candidates_);
  // 53 random bits make a double uniform in [0, 1).
  const double r = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  return pick_random(candidates_, r);
}

void Sampler::accept(int32_t token) {
  const int32_t window = options_.repeat_last_n;
  if (window <= 0) return;
  if (static_cast<int32_t>(history_.size()) == window) history_.erase(history_.begin());
  history_.push_back(token);
}

}  // namespace slimllm
