// What `slimllm bench`'s generation and embedding measurements share: robust summaries of
// repeated runs, the process's peak memory, and the inputs and labels of a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"

namespace slimllm {

struct Stats {
  double median = 0, min = 0, max = 0;
};
Stats stats_of(std::vector<double> values);

// Peak resident set size so far, from /proc (falls back to getrusage).
uint64_t peak_rss_bytes();

// The weight type holding most of the model's matrix bytes ("q8_0", "f16", ...).
std::string dominant_type(const Model& model);

// `count` token ids drawn uniformly from [0, vocab), reproducibly from `seed`.
std::vector<int32_t> random_tokens(int count, int64_t vocab, uint32_t seed);

}  // namespace slimllm
