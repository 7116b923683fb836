// Tensors bound by a declarative table of GGUF names: each architecture lists what it needs (name,
// expected shape, required or optional, an alternative name) and where each goes; bind() checks
// the file against the table and fills the targets. So a missing or mis-shaped tensor is reported
// the same way for every architecture, naming the tensor and both shapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "kernels/kernels.h"

namespace slimllm {

enum class TensorNeed { kRequired, kOptional };

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;  // innermost first, as GGUF stores it: {cols, rows}
  TensorNeed need = TensorNeed::kRequired;
  std::string alternative;       // bound instead when `name` is absent (tied output → token_embd)
  WeightView* matrix = nullptr;  // bound as a view into the mapped file
  std::vector<float>* vector = nullptr;  // copied as f32 (norm weights, biases, rope factors)
};

class TensorTable {
 public:
  // A 2-D weight used by matmul/get_rows: GGUF shape {cols, rows}.
  void matrix(std::string name, int64_t cols, int64_t rows, WeightView* target,
              TensorNeed need = TensorNeed::kRequired, std::string alternative = {});
  // A 1-D tensor of `size` values, converted to f32.
  void vector(std::string name, int64_t size, std::vector<float>* target,
              TensorNeed need = TensorNeed::kRequired);

  // Binds every entry; throws Error naming the file, the tensor and (for a shape mismatch) both
  // shapes. Returns the names of the tensors bound through their alternative.
  std::vector<std::string> bind(const GgufFile& file) const;

  const std::vector<TensorSpec>& specs() const { return specs_; }

 private:
  std::vector<TensorSpec> specs_;
};

// "blk.3.attn_q.weight" from ("attn_q.weight", 3).
std::string layer_tensor(int64_t layer, const char* suffix);

}  // namespace slimllm
