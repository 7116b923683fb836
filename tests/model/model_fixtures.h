// Test helper: opening the model fixtures (tests/data/decoders/, tests/data/encoders/, the shared
// stories260K.gguf, a tiny model written for the test), and running a prompt through one.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gguf/reader.h"
#include "gguf/writer.h"
#include "model/model.h"
#include "model/tiny_model.h"

namespace slimllm::testing_models {

// tests/data/decoders/<name> and tests/data/encoders/<name>.
inline std::string decoder_fixture(const std::string& name) {
  return std::string(SLIMLLM_DATA) + "/decoders/" + name;
}
inline std::string encoder_fixture(const std::string& name) {
  return std::string(SLIMLLM_DATA) + "/encoders/" + name;
}
// The shared reference model, llama2.c's stories260K.
inline std::string stories_model_path() {
  return std::string(SLIMLLM_TESTDATA) + "/models/stories260K.gguf";
}

// The model in the GGUF file at `path`, bound.
inline std::unique_ptr<Model> open_model_file(const std::string& path) {
  return load_model(std::make_shared<const GgufFile>(GgufFile::open(path)));
}

inline std::unique_ptr<Model> open_decoder(const std::string& name) {
  return open_model_file(decoder_fixture(name));
}
inline std::unique_ptr<Model> open_encoder(const std::string& name) {
  return open_model_file(encoder_fixture(name));
}

// A copy of `original` written to `path`, its metadata edited by `edit` first (a set_* of a key
// it has replaces the value).
inline void write_edited_copy(const GgufFile& original, const std::string& path,
                              const std::function<void(GgufWriter&)>& edit) {
  GgufWriter w;
  for (const GgufKeyValue& kv : original.metadata()) w.set_value(kv.key, kv.value);
  edit(w);
  for (const GgufTensorInfo& t : original.tensors()) w.add_tensor(t.name, t.type, t.shape, t.data);
  w.write(path);
}

// A tiny model written to the test's temporary folder as <name>.gguf, then opened.
inline std::unique_ptr<Model> tiny(const TinyModelSpec& spec, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name + ".gguf";
  write_tiny_model(path, spec);
  return open_model_file(path);
}

// The prompt as one batch of sequence 0 at positions 0, 1, ..., asking for the last token's
// output only.
inline std::vector<BatchToken> prompt_batch(const std::vector<int32_t>& prompt) {
  std::vector<BatchToken> batch;
  for (size_t i = 0; i < prompt.size(); ++i) {
    batch.push_back({prompt[i], static_cast<int32_t>(i), 0, i + 1 == prompt.size()});
  }
  return batch;
}

// The logits after `prompt` in a fresh cache of n_ctx positions.
inline std::vector<float> logits_after(const Model& m, const std::vector<int32_t>& prompt,
                                       int64_t n_ctx) {
  KvCache kv = m.make_cache(n_ctx, 1);
  ForwardState state = m.make_state(64, 1);
  const auto logits = m.forward(prompt_batch(prompt), kv, state, nullptr);
  return {logits.begin(), logits.end()};
}

inline float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

}  // namespace slimllm::testing_models
