#include "sampling/steps.h"

#include <algorithm>
#include <cmath>

namespace slimllm {

void apply_penalties(Candidates& c, std::span<const int32_t> recent, float repeat, float frequency,
                     float presence, std::vector<int32_t>& counts) {
  if (recent.empty() || (repeat == 1.0f && frequency == 0.0f && presence == 0.0f)) return;
  const int32_t n = static_cast<int32_t>(counts.size());
  for (int32_t id : recent) {
    if (id >= 0 && id < n) ++counts[static_cast<size_t>(id)];
  }
  for (Candidate& cand : c.items) {
    const int32_t seen = cand.id < n ? counts[static_cast<size_t>(cand.id)] : 0;
    if (seen == 0) continue;
    cand.logit = cand.logit <= 0 ? cand.logit * repeat : cand.logit / repeat;
    cand.logit -= static_cast<float>(seen) * frequency + presence;
  }
  for (int32_t id : recent) {
    if (id >= 0 && id < n) counts[static_cast<size_t>(id)] = 0;
  }
  c.sorted = false;
}

void apply_top_k(Candidates& c, int32_t k) {
  if (k <= 0 || static_cast<size_t>(k) >= c.items.size()) return;
  if (!c.sorted) {
    std::partial_sort(c.items.begin(), c.items.begin() + k, c.items.end(),
                      [](const Candidate& a, const Candidate& b) {
                        return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
                      });
    c.sorted = true;
  }
  c.items.resize(static_cast<size_t>(k));
}

void apply_top_p(Candidates& c, float p) {
  if (p >= 1.0f || c.items.empty()) return;
  c.sort();
  c.softmax();
  double cumulative = 0.0;
  size_t keep = c.items.size();
  for (size_t i = 0; i < c.items.size(); ++i) {
    cumulative += c.items[i].p;
    if (cumulative >= p) {
      keep = i + 1;
      break;
    }
  }
  c.items.resize(keep);
}

void apply_min_p(Candidates& c, float p) {
  if (p <= 0.0f || c.items.empty()) return;
  c.sort();
  // Relative to the most likely token, so comparing logits avoids a softmax.
  const float threshold = c.items[0].logit + std::log(p);
  size_t keep = 1;
  while (keep < c.items.size() && c.items[keep].logit >= threshold) ++keep;
  c.items.resize(keep);
}

void apply_typical_p(Candidates& c, float p) {
  if (p >= 1.0f || c.items.empty()) return;
  c.softmax();
  double entropy = 0.0;
  for (const Candidate& cand : c.items) {
    if (cand.p > 0) entropy -= cand.p * std::log(static_cast<double>(cand.p));
  }
  auto distance = [entropy](const Candidate& cand) {
    return std::abs(-std::log(static_cast<double>(cand.p)) - entropy);
  };
  std::stable_sort(c.items.begin(), c.items.end(), [&](const Candidate& a, const Candidate& b) {
    return distance(a) < distance(b);
  });
  double cumulative = 0.0;
  size_t keep = c.items.size();
  for (size_t i = 0; i < c.items.size(); ++i) {
    cumulative += c.items[i].p;
    if (cumulative > p) {
      keep = i + 1;
      break;
    }
  }
  c.items.resize(keep);
  c.sorted = false;
}

void apply_temperature(Candidates& c, float t) {
  for (Candidate& cand : c.items) cand.logit /= t;
}

int32_t pick_greedy(std::span<const float> logits) {
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

int32_t pick_random(Candidates& c, double r) {
  c.softmax();
  double cumulative = 0.0;
  for (const Candidate& cand : c.items) {
    cumulative += cand.p;
    if (r < cumulative) return cand.id;
  }
  return c.items.back().id;  // r within rounding of 1
}

}  // namespace slimllm
