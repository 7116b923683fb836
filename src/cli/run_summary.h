// The timing block `ollama run --verbose` prints after an answer (Ollama's Metrics.Summary), for
// the in-process runner and for answers from the server alike.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace slimllm {

struct RunTimings {
  int64_t total_ns = 0;
  int64_t load_ns = 0;
  int64_t prompt_eval_count = 0;
  int64_t prompt_eval_ns = 0;
  int64_t eval_count = 0;
  int64_t eval_ns = 0;
};

// The figures of an /api/generate or /api/chat response's final chunk.
RunTimings timings_from_response(const nlohmann::json& final_chunk);

// Prints the block to stderr; lines whose figure is zero are left out, as Ollama does.
void print_run_summary(const RunTimings& t);

}  // namespace slimllm
