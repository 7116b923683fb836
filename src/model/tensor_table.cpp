#include "model/tensor_table.h"

#include "base/error.h"
#include "kernels/kernels.h"

namespace slimllm {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool same_shape(const GgufTensorInfo& t, const std::vector<int64_t>& shape) {
  // GGUF may store trailing dimensions of 1 or omit them; compare the padded forms.
  for (int i = 0; i < kGgufMaxDims; ++i) {
    const uint64_t want = i < static_cast<int>(shape.size()) ? static_cast<uint64_t>(shape[i]) : 1;
    if (t.dim(i) != want) return false;
  }
  return true;
}

}  // namespace

std::string layer_tensor(int64_t layer, const char* suffix) {
  return "blk." + std::to_string(layer) + "." + suffix;
}

void TensorTable::matrix(std::string name, int64_t cols, int64_t rows, WeightView* target,
                         TensorNeed need, std::string alternative) {
  TensorSpec s;
  s.name = std::move(name);
  s.shape = {cols, rows};
  s.need = need;
  s.alternative = std::move(alternative);
  s.matrix = target;
  specs_.push_back(std::move(s));
}

void TensorTable::vector(std::string name, int64_t size, std::vector<float>* target,
                         TensorNeed need) {
  TensorSpec s;
  s.name = std::move(name);
  s.shape = {size};
  s.need = need;
  s.vector = target;
  specs_.push_back(std::move(s));
}

std::vector<std::string> TensorTable::bind(const GgufFile& file) const {
  std::vector<std::string> via_alternative;
  for (const TensorSpec& spec : specs_) {
    const GgufTensorInfo* t = file.find_tensor(spec.name);
    if (t == nullptr && !spec.alternative.empty()) {
      t = file.find_tensor(spec.alternative);
      if (t != nullptr) via_alternative.push_back(spec.name);
    }
    if (t == nullptr) {
      if (spec.need == TensorNeed::kOptional) continue;
      fail("model file ", file.path(), " is missing tensor '", spec.name, "' (expected shape ",
           shape_string(spec.shape), ")");
    }
    if (!same_shape(*t, spec.shape)) {
      fail("model file ", file.path(), ": tensor '", t->name, "' has shape ", t->shape_string(),
           " but the model's configuration expects ", shape_string(spec.shape));
    }
    const DTypeTraits& traits_of = traits(t->type);
    if (!traits_of.supported) {
      fail("model file ", file.path(), ": tensor '", t->name, "' has type ", traits_of.name,
           ", which slimllm cannot run");
    }
    if (spec.shape[0] % traits_of.block_size != 0) {
      fail("model file ", file.path(), ": tensor '", t->name, "' rows of ", spec.shape[0],
           " values are not whole ", traits_of.name, " blocks of ", traits_of.block_size);
    }
    if (spec.matrix != nullptr) {
      *spec.matrix =
          WeightView{t->type, spec.shape.size() > 1 ? spec.shape[1] : 1, spec.shape[0], t->data};
    } else {
      WeightView view{t->type, 1, spec.shape[0], t->data};
      spec.vector->assign(static_cast<size_t>(spec.shape[0]), 0.0f);
      const int32_t row = 0;
      get_rows(view, &row, 1, spec.vector->data());
    }
  }
  return via_alternative;
}

}  // namespace slimllm
