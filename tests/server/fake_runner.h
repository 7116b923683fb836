// A Runner for tests: answers with fixed pieces, records what it was asked, and can be held at a
// gate so tests control exactly when generation proceeds (no sleeps, no timing).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/runner.h"

namespace slimllm::testing {

// Shared state of every runner a FakeFactory made.
struct FakeState {
  std::mutex mutex;
  std::condition_variable changed;
  bool gated = false;  // when true, generate() waits after its first piece until opened
  int started = 0;     // generate() calls that have begun
  int finished = 0;    // generate() calls that have returned
  int cancelled = 0;   // generations stopped by their callback
  int loads = 0;
  int unloads = 0;
  std::vector<std::string> prompts;
  std::vector<LoadOptions> load_options;
  std::vector<std::string> pieces = {"Once", " upon", " a", " time"};
  // Reported with piece i when the request asks for logprobs (none when shorter than pieces).
  std::vector<TokenLogprob> logprobs;
  int endless_runs = 0;  // this many generations emit pieces until the callback says stop
  int64_t cached_prompt_tokens = 0;  // reported as each generation's prompt_cached_count
  std::vector<GenerateInput> inputs;
  std::vector<EmbedInput> embed_inputs;  // every embed() call's input, in call order
  uint64_t model_bytes = 1000;

  void open_gate() {
    std::lock_guard lock(mutex);
    gated = false;
    changed.notify_all();
  }
  // Waits until `count` generations have started (a bounded wait so a bug fails, not hangs).
  bool wait_started(int count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(30), [&] { return started >= count; });
  }
  bool wait_finished(int count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(30), [&] { return finished >= count; });
  }
};

class FakeRunner : public Runner {
 public:
  FakeRunner(FakeState& state, LoadOptions options) : state_(state), options_(options) {}
  ~FakeRunner() override {
    std::lock_guard lock(state_.mutex);
    state_.unloads++;
    state_.changed.notify_all();
  }
  GenerateResult generate(const GenerateInput& input, const TokenCallback& on_piece) override {
    std::vector<std::string> pieces;
    std::vector<TokenLogprob> logprobs;
    bool endless;
    {
      std::lock_guard lock(state_.mutex);
      state_.started++;
      state_.prompts.push_back(input.prompt);
      pieces = state_.pieces;
      if (input.logprobs) logprobs = state_.logprobs;
      endless = state_.endless_runs > 0;
      if (endless) state_.endless_runs--;
      state_.inputs.push_back(input);
      state_.changed.notify_all();
    }
    GenerateResult result;
    result.prompt_eval_count = static_cast<int64_t>(input.prompt.size());
    result.prompt_cached_count = state_.cached_prompt_tokens;
    result.prompt_eval_duration_ns = 1000;
    bool stopped = false;
    for (size_t i = 0; !stopped && (i < pieces.size() || endless); ++i) {
      if (i == 1) {
        std::unique_lock lock(state_.mutex);
        state_.changed.wait(lock, [&] { return !state_.gated; });
      }
      const std::string& piece = pieces[i % pieces.size()];
      std::span<const TokenLogprob> reports;
      if (i < logprobs.size()) reports = std::span<const TokenLogprob>(&logprobs[i], 1);
      if (!on_piece(GeneratedPiece{piece, reports})) stopped = true;
      result.eval_count++;
      if (endless && i > 10'000'000) break;
    }
    result.done_reason = stopped ? "" : "stop";
    result.eval_duration_ns = 2000;
    result.context = {1, 2, 3};
    std::lock_guard lock(state_.mutex);
    state_.finished++;
    if (stopped) state_.cancelled++;
    state_.changed.notify_all();
    return result;
  }
  // Item i of L tokens (one per byte of text, or its token ids; cut to num_ctx when truncating)
  // embeds to {3, 4, 0, L}: unnormalized, different per length (so order shows), and its first
  // two dimensions renormalize to exactly {0.6, 0.8}.
  EmbedResult embed(const EmbedInput& input) override {
    {
      std::lock_guard lock(state_.mutex);
      state_.embed_inputs.push_back(input);
    }
    EmbedResult result;
    for (const EmbedItem& item : input.items) {
      int64_t len = static_cast<int64_t>(item.is_tokens ? item.tokens.size() : item.text.size());
      if (len > options_.num_ctx) {
        if (!input.truncate) throw ContextExceededError();
        len = options_.num_ctx;
      }
      result.embeddings.push_back({3.0f, 4.0f, 0.0f, static_cast<float>(len)});
      result.prompt_eval_count += len;
    }
    result.prompt_eval_duration_ns = 1000;
    return result;
  }
  uint64_t memory_bytes() const override { return state_.model_bytes; }
  int context_length() const override { return options_.num_ctx; }
  int vocab_size() const override { return 512; }
  // One token per byte: fitting tests can count exactly.
  size_t count_tokens(std::string_view text) const override { return text.size(); }

 private:
  FakeState& state_;
  LoadOptions options_;
};

class FakeFactory : public RunnerFactory {
 public:
  explicit FakeFactory(FakeState& state) : state_(state) {}
  uint64_t estimate_bytes(const ModelSpec&, const LoadOptions&) override {
    return state_.model_bytes;
  }
  std::unique_ptr<Runner> load(const ModelSpec&, const LoadOptions& options) override {
    std::lock_guard lock(state_.mutex);
    state_.loads++;
    state_.load_options.push_back(options);
    return std::make_unique<FakeRunner>(state_, options);
  }

 private:
  FakeState& state_;
};

}  // namespace slimllm::testing
