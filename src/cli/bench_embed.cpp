#include "cli/bench_embed.h"

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
#include "model/embedding.h"

namespace slimllm {

std::vector<std::pair<int, int>> parse_embed_shapes(const std::string& text) {
  std::vector<std::pair<int, int>> shapes;
  for (const std::string& part : str_split(text, ',')) {
    const size_t x = part.find('x');
    int n = 0, len = 0;
    try {
      if (x == std::string::npos) throw std::invalid_argument("no x");
      n = std::stoi(part.substr(0, x));
      len = std::stoi(part.substr(x + 1));
    } catch (const std::exception&) {
      fail("--embed: \"", part, "\" is not INPUTSxTOKENS (e.g. 256x40)");
    }
    if (n < 1 || n > 100000 || len < 1 || len > 65536)
      fail("--embed: \"", part, "\" is out of range (1-100000 inputs of 1-65536 tokens)");
    shapes.emplace_back(n, len);
  }
  if (shapes.empty()) fail("--embed: no shapes given");
  return shapes;
}

void run_embed_bench(const EmbedBenchOptions& options) {
  const int threads = threads_or_available(options.threads);
  ThreadPool pool(threads);
  const int64_t load_start = now_ns();
  const FileAccess access =
      weights_access(options.path, options.mmap ? std::optional<bool>(true) : std::nullopt);
  auto file = std::make_shared<const GgufFile>(GgufFile::open(options.path, access, threads));
  std::unique_ptr<Model> model = load_model(file);
  const double load_seconds = static_cast<double>(now_ns() - load_start) / 1e9;
  const ModelConfig& config = model->config();
  const Pooling pooling = pooling_of(*model);
  const int64_t batch = options.batch;
  ForwardState state = model->make_state(batch, batch, OutputKind::kHidden);
  int longest = 0;
  for (const auto& [n, len] : options.shapes) longest = std::max(longest, len);
  // Token ids past the first few, which are the vocabulary's specials in every BERT vocabulary.
  const int64_t vocab = std::max<int64_t>(config.n_vocab, 8);
  auto inputs_of = [&](int n, int len, uint32_t seed) {
    std::vector<std::vector<int32_t>> inputs;
    for (int i = 0; i < n; ++i) {
      std::vector<int32_t> ids = random_tokens(len, vocab - 5, seed * 100003u + i);
      for (int32_t& id : ids) id += 5;
      inputs.push_back(std::move(ids));
    }
    return inputs;
  };
  // Warm-up: the weights faulted in, the threads settled.
  embed_batch(*model, inputs_of(4, std::min(longest, 32), 1), pooling, longest, state, &pool);

  const std::string kernels = active_kernels().name;
  if (!options.json) {
    std::printf("model      %s (%s, %s, %s)\n", options.path.c_str(), config.arch.c_str(),
                dominant_type(*model).c_str(), human_bytes(file->file_size()).c_str());
    std::printf("threads    %d (kernels: %s), passes of up to %lld tokens\n", threads,
                kernels.c_str(), static_cast<long long>(batch));
    std::printf("\n%-12s %14s %20s %14s\n", "test", "inputs/s", "spread (min-max)", "tokens/s");
  }
  for (const auto& [n, len] : options.shapes) {
    std::vector<double> rates;
    for (int r = 0; r < options.repetitions; ++r) {
      const auto inputs = inputs_of(n, len, 2 + r);
      const int64_t start = now_ns();
      embed_batch(*model, inputs, pooling, longest, state, &pool);
      rates.push_back(n / (static_cast<double>(now_ns() - start) / 1e9));
    }
    const Stats s = stats_of(rates);
    const std::string name = str_cat("embed", n, "x", len);
    if (options.json) {
      nlohmann::json line = {{"model", options.path},
                             {"arch", config.arch},
                             {"type", dominant_type(*model)},
                             {"threads", threads},
                             {"kernels", kernels},
                             {"batch", batch},
                             {"load_seconds", load_seconds},
                             {"test", name},
                             {"inputs", n},
                             {"tokens_per_input", len},
                             {"inputs_per_second", s.median},
                             {"min", s.min},
                             {"max", s.max},
                             {"tokens_per_second", s.median * len},
                             {"peak_rss_bytes", peak_rss_bytes()}};
      std::printf("%s\n", line.dump().c_str());
    } else {
      std::printf("%-12s %14.2f %9.2f - %-8.2f %14.1f\n", name.c_str(), s.median, s.min, s.max,
                  s.median * len);
    }
  }
  if (!options.json) {
    std::printf("\nload       %.2f s; peak resident %s\n", load_seconds,
                human_bytes(peak_rss_bytes()).c_str());
  }
}

}  // namespace slimllm
