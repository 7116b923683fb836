#include "cli/run_summary.h"

#include <cstdio>

#include "api/duration.h"

namespace slimllm {

RunTimings timings_from_response(const nlohmann::json& final_chunk) {
  auto get = [&](const char* key) { return final_chunk.value(key, int64_t{0}); };
  return {get("total_duration"),       get("load_duration"), get("prompt_eval_count"),
          get("prompt_eval_duration"), get("eval_count"),    get("eval_duration")};
}

void print_run_summary(const RunTimings& t) {
  if (t.total_ns > 0)
    std::fprintf(stderr, "total duration:       %s\n", format_go_duration(t.total_ns).c_str());
  if (t.load_ns > 0)
    std::fprintf(stderr, "load duration:        %s\n", format_go_duration(t.load_ns).c_str());
  if (t.prompt_eval_count > 0) {
    std::fprintf(stderr, "prompt eval count:    %lld token(s)\n",
                 static_cast<long long>(t.prompt_eval_count));
  }
  if (t.prompt_eval_ns > 0) {
    std::fprintf(stderr, "prompt eval duration: %s\n",
                 format_go_duration(t.prompt_eval_ns).c_str());
    std::fprintf(stderr, "prompt eval rate:     %.2f tokens/s\n",
                 static_cast<double>(t.prompt_eval_count) / (t.prompt_eval_ns / 1e9));
  }
  if (t.eval_count > 0) {
    std::fprintf(stderr, "eval count:           %lld token(s)\n",
                 static_cast<long long>(t.eval_count));
  }
  if (t.eval_ns > 0) {
    std::fprintf(stderr, "eval duration:        %s\n", format_go_duration(t.eval_ns).c_str());
    std::fprintf(stderr, "eval rate:            %.2f tokens/s\n",
                 static_cast<double>(t.eval_count) / (t.eval_ns / 1e9));
  }
}

}  // namespace slimllm
