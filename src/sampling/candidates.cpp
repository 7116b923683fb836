#include "sampling/candidates.h"

#include <algorithm>
#include <cmath>

namespace slimllm {

void Candidates::reset(std::span<const float> logits) {
  items.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    items[i] = Candidate{static_cast<int32_t>(i), logits[i], 0.0f};
  }
  sorted = false;
}

void Candidates::sort() {
  if (sorted) return;
  std::sort(items.begin(), items.end(), [](const Candidate& a, const Candidate& b) {
    return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
  });
  sorted = true;
}

void Candidates::softmax() {
  if (items.empty()) return;
  float max = items[0].logit;
  for (const Candidate& c : items) max = std::max(max, c.logit);
  double sum = 0.0;
  for (Candidate& c : items) {
    c.p = std::exp(c.logit - max);
    sum += c.p;
  }
  for (Candidate& c : items) c.p = static_cast<float>(c.p / sum);
}

}  // namespace slimllm
