// `slimllm bench --sequences 1,2,4,8`: batched decoding speed of a GGUF model — S sequences, each
// with its own prompt, decoded together one token each per forward pass, as the server's step
// loop (engine/step_loop.h) runs concurrent requests. Prints each step's time against a lone
// sequence's step measured in the same run, and the aggregate tokens/s: what continuous
// batching can give at best, without HTTP, sampling or the threads' hand-offs.
#pragma once

#include <string>
#include <vector>

namespace slimllm {

struct BatchBenchOptions {
  std::string path;
  std::vector<int> sequences;  // batch sizes to measure; 1 is always measured first
  int prompt_tokens = 100;     // each sequence's prompt, evaluated before the timed steps
  int gen_tokens = 64;         // timed steps per batch size
  int threads = 0;
  int repetitions = 3;
  bool json = false;
  bool mmap = false;
};

// "1,2,4,8" → {1, 2, 4, 8}. Throws Error for anything else.
std::vector<int> parse_sequence_counts(const std::string& text);

void run_batch_bench(const BatchBenchOptions& options);

}  // namespace slimllm
