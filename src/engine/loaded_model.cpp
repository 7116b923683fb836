#include "engine/loaded_model.h"

#include "base/clock.h"

namespace slimllm {

LoadedModel LoadedModel::load(const std::string& path) {
  const int64_t start = now_ns();
  auto file = std::make_shared<const GgufFile>(GgufFile::open(path));
  std::unique_ptr<Model> model = load_model(file);
  Tokenizer tokenizer = Tokenizer::from_gguf(*file);
  return LoadedModel{std::move(file), std::move(model), std::move(tokenizer), now_ns() - start};
}

}  // namespace slimllm
