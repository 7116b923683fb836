// A sequence-classification head: what a reranker (`<arch>.pooling_type` = 4, rank) puts on top
// of its pooled [CLS] state to score a query/document pair. As GGUF stores it (llama.cpp's
// converter): an optional dense layer `cls.weight` [n_embd → n_embd] with bias `cls.bias`,
// followed by tanh, then the output projection `cls.output.weight` [n_embd → n_out] with bias
// `cls.output.bias`. A cross-encoder such as bge-reranker-v2-m3 has both; n_out is 1 (the
// relevance logit).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/kernels.h"

namespace slimllm {

class TensorTable;

struct ClassifierHead {
  WeightView dense;  // cls.weight, or empty
  std::vector<float> dense_b;
  WeightView out;  // cls.output.weight
  std::vector<float> out_b;

  bool present() const { return !out.empty() || !dense.empty(); }
  // Adds the head's tensors to `t` as optional (shapes checked against n_embd).
  void add_to(TensorTable& t, int64_t n_embd, int64_t n_out);
  // The head applied to one pooled state [n_embd].
  std::vector<float> apply(std::span<const float> pooled) const;
};

}  // namespace slimllm
