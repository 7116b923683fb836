// The (token, logit) array the sampling steps work on, with the probabilities once computed.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace slimllm {

struct Candidate {
  int32_t id = 0;
  float logit = 0.0f;
  float p = 0.0f;  // valid after softmax()
};

struct Candidates {
  std::vector<Candidate>
      items;            // reused between tokens: filled by reset(), never shrunk in capacity
  bool sorted = false;  // by logit, descending

  // Refills from a row of logits.
  void reset(std::span<const float> logits);
  // Sorts by logit, descending (stable by id for equal logits, so results are reproducible).
  void sort();
  // p = softmax(logit) over the current items.
  void softmax();
};

}  // namespace slimllm
