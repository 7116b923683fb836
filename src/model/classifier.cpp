#include "model/classifier.h"

#include <cmath>

#include "base/error.h"
#include "model/tensor_table.h"

namespace slimllm {
namespace {

// y[rows] = W x + b, a row at a time (the head runs once per input: no batching to gain).
std::vector<float> linear(const WeightView& w, const std::vector<float>& bias,
                          std::span<const float> x) {
  std::vector<float> row(static_cast<size_t>(w.cols));
  std::vector<float> y(static_cast<size_t>(w.rows));
  for (int64_t r = 0; r < w.rows; ++r) {
    const int32_t id = static_cast<int32_t>(r);
    get_rows(w, &id, 1, row.data());
    double sum = bias.empty() ? 0.0 : bias[static_cast<size_t>(r)];
    for (size_t j = 0; j < row.size(); ++j) sum += static_cast<double>(row[j]) * x[j];
    y[static_cast<size_t>(r)] = static_cast<float>(sum);
  }
  return y;
}

}  // namespace

void ClassifierHead::add_to(TensorTable& t, int64_t n_embd, int64_t n_out) {
  t.matrix("cls.weight", n_embd, n_embd, &dense, TensorNeed::kOptional);
  t.vector("cls.bias", n_embd, &dense_b, TensorNeed::kOptional);
  t.matrix("cls.output.weight", n_embd, n_out, &out, TensorNeed::kOptional);
  t.vector("cls.output.bias", n_out, &out_b, TensorNeed::kOptional);
}

std::vector<float> ClassifierHead::apply(std::span<const float> pooled) const {
  if (!present()) fail("the model has no classification head (cls.output.weight)");
  std::vector<float> x(pooled.begin(), pooled.end());
  if (!dense.empty()) {
    x = linear(dense, dense_b, x);
    for (float& v : x) v = std::tanh(v);
  }
  if (!out.empty()) x = linear(out, out_b, x);
  return x;
}

}  // namespace slimllm
