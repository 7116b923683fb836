// `slimllm bench --embed NxL[,NxL...]`: embedding throughput of a GGUF model — N random inputs
// of L tokens each embedded together, as one /api/embed request of N inputs runs (batched
// passes of up to --batch tokens, each input its own sequence), repeated; inputs/s and tokens/s.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace slimllm {

struct EmbedBenchOptions {
  std::string path;
  std::vector<std::pair<int, int>> shapes;  // (inputs, tokens each)
  int batch = 512;                          // num_batch: tokens per pass
  int threads = 0;
  int repetitions = 3;
  bool json = false;
  bool mmap = false;
};

// "256x40,16x500" → {(256, 40), (16, 500)}. Throws Error for anything else.
std::vector<std::pair<int, int>> parse_embed_shapes(const std::string& text);

void run_embed_bench(const EmbedBenchOptions& options);

}  // namespace slimllm
