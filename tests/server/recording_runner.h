// Test helper: the real GGUF runner, recording the prompt text each generation receives, so a
// server test can check what a template rendered and still get the model's real answer.
#pragma once

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "engine/gguf_runner.h"

namespace slimllm {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class RecordingRunner final : public Runner {
 public:
  RecordingRunner(std::unique_ptr<Runner> inner, std::vector<std::string>& prompts,
                  std::mutex& mutex)
      : inner_(std::move(inner)), prompts_(prompts), mutex_(mutex) {}
  GenerateResult generate(const GenerateInput& input, const TokenCallback& on_piece) override {
    {
      std::lock_guard lock(mutex_);
      prompts_.push_back(input.prompt);
    }
    return inner_->generate(input, on_piece);
  }
  uint64_t memory_bytes() const override { return inner_->memory_bytes(); }
  int context_length() const override { return inner_->context_length(); }
  size_t count_tokens(std::string_view text) const override { return inner_->count_tokens(text); }
  EmbedResult embed(const EmbedInput& input) override { return inner_->embed(input); }

 private:
  std::unique_ptr<Runner> inner_;
  std::vector<std::string>& prompts_;
  std::mutex& mutex_;
};

class RecordingFactory final : public RunnerFactory {
 public:
  uint64_t estimate_bytes(const ModelSpec& spec, const LoadOptions& options) override {
    return real_.estimate_bytes(spec, options);
  }
  std::unique_ptr<Runner> load(const ModelSpec& spec, const LoadOptions& options) override {
    return std::make_unique<RecordingRunner>(real_.load(spec, options), prompts, mutex);
  }
  // The prompts recorded since the last call.
  std::vector<std::string> take_prompts() {
    std::lock_guard lock(mutex);
    return std::exchange(prompts, {});
  }

  std::mutex mutex;
  std::vector<std::string> prompts;

 private:
  GgufRunnerFactory real_;
};

}  // namespace slimllm
