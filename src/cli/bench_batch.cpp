#include "cli/bench_batch.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/cgroup.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/strings.h"
#include "base/thread_pool.h"
#include "cli/bench_util.h"
#include "engine/loaded_model.h"
#include "gguf/reader.h"
#include "kernels/dispatch.h"

namespace slimllm {
namespace {

int32_t argmax_of(std::span<const float> row) {
  return static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

// Seconds per step of `s` sequences decoding together: each sequence's prompt evaluated first
// (not timed), then `steps` passes of one token per sequence, greedy.
double step_seconds(const Model& model, int s, int prompt, int steps, uint32_t seed,
                    ThreadPool& pool) {
  const int64_t n_ctx = prompt + steps + 1;
  KvCache kv = model.make_cache(n_ctx, s);
  ForwardState state = model.make_state(std::max(prompt, s), s);
  const int64_t vocab = model.config().n_vocab;
  std::vector<int32_t> next(static_cast<size_t>(s));
  for (int q = 0; q < s; ++q) {
    const std::vector<int32_t> ids = random_tokens(prompt, vocab, seed * 7919u + q);
    std::vector<BatchToken> batch;
    for (int i = 0; i < prompt; ++i) batch.push_back({ids[i], i, q, i + 1 == prompt});
    next[static_cast<size_t>(q)] = argmax_of(model.forward(batch, kv, state, &pool));
  }
  std::vector<BatchToken> batch(static_cast<size_t>(s));
  const int64_t start = now_ns();
  for (int step = 0; step < steps; ++step) {
    for (int q = 0; q < s; ++q) batch[static_cast<size_t>(q)] = {next[static_cast<size_t>(q)],
                                                                 prompt + step, q, true};
    const std::span<const float> logits = model.forward(batch, kv, state, &pool);
    for (int q = 0; q < s; ++q) {
      next[static_cast<size_t>(q)] = argmax_of(logits.subspan(static_cast<size_t>(q * vocab),
                                                              static_cast<size_t>(vocab)));
    }
  }
  return static_cast<double>(now_ns() - start) / 1e9 / steps;
}

}  // namespace

std::vector<int> parse_sequence_counts(const std::string& text) {
  std::vector<int> counts;
  for (const std::string& part : str_split(text, ',')) {
    int n = 0;
    try {
      size_t used = 0;
      n = std::stoi(part, &used);
      if (used != part.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      fail("--sequences: \"", part, "\" is not a number of sequences (e.g. 1,2,4,8)");
    }
    if (n < 1 || n > 64) fail("--sequences: ", n, " is out of range (1-64)");
    counts.push_back(n);
  }
  if (counts.empty()) fail("--sequences: no counts given");
  return counts;
}

void run_batch_bench(const BatchBenchOptions& options) {
  const int threads = threads_or_available(options.threads);
  ThreadPool pool(threads);
  const FileAccess access =
      weights_access(options.path, options.mmap ? std::optional<bool>(true) : std::nullopt);
  auto file = std::make_shared<const GgufFile>(GgufFile::open(options.path, access, threads));
  std::unique_ptr<Model> model = load_model(file);
  const ModelConfig& config = model->config();
  if (config.is_encoder) fail("bench --sequences: ", options.path, " is an embedding model");
  std::vector<int> counts = {1};
  for (int s : options.sequences) {
    if (std::find(counts.begin(), counts.end(), s) == counts.end()) counts.push_back(s);
  }
  const int steps = std::max(1, options.gen_tokens);
  step_seconds(*model, 1, 4, 2, 0, pool);  // warm-up: the weights faulted in, the threads settled

  if (!options.json) {
    std::printf("model      %s (%s, %s, %s)\n", options.path.c_str(), config.arch.c_str(),
                dominant_type(*model).c_str(), human_bytes(file->file_size()).c_str());
    std::printf("threads    %d (kernels: %s), prompts of %d tokens, %d steps\n", threads,
                active_kernels().name, options.prompt_tokens, steps);
    std::printf("\n%-10s %12s %20s %10s %14s\n", "sequences", "step ms", "spread (min-max)",
                "step vs 1", "tokens/s");
  }
  // Rounds alternate the batch sizes, so a change in the machine's load touches them alike.
  std::vector<std::vector<double>> ms(counts.size());
  for (int r = 0; r < options.repetitions; ++r) {
    for (size_t i = 0; i < counts.size(); ++i) {
      ms[i].push_back(
          1e3 * step_seconds(*model, counts[i], options.prompt_tokens, steps, r + 1, pool));
    }
  }
  const double one = stats_of(ms[0]).median;
  for (size_t i = 0; i < counts.size(); ++i) {
    const Stats st = stats_of(ms[i]);
    const double tps = 1e3 * counts[i] / st.median;
    if (options.json) {
      nlohmann::json line = {{"model", options.path},     {"arch", config.arch},
                             {"threads", threads},        {"kernels", active_kernels().name},
                             {"sequences", counts[i]},    {"step_ms", st.median},
                             {"step_ms_min", st.min},     {"step_ms_max", st.max},
                             {"step_vs_1", st.median / one}, {"tokens_per_s", tps}};
      std::printf("%s\n", line.dump().c_str());
    } else {
      std::printf("%-10d %12.2f %9.2f - %-8.2f %10.2f %14.1f\n", counts[i], st.median, st.min,
                  st.max, st.median / one, tps);
    }
  }
}

}  // namespace slimllm
