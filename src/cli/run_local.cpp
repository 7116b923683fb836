// `slimllm run PATH.gguf [PROMPT]`: loads a model file in this process and streams its generation
// for a raw prompt (BOS as the vocabulary says, no template) — for trying a file without a server.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "base/cgroup.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/strings.h"
#include "base/thread_pool.h"
#include "cli/run_args.h"
#include "cli/run_summary.h"
#include "engine/generate.h"
#include "engine/loaded_model.h"
#include "engine/options.h"
#include "engine/session.h"
#include "engine/tokenizer_text.h"

namespace slimllm {

void run_model_file(const RunArgs& args) {
  const int64_t start = now_ns();
  GenerateOptions options;
  for (const std::string& p : args.parameters) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos) fail("--parameter '", p, "' is not of the form key=value");
    set_option(options, str_trim(std::string_view(p).substr(0, eq)),
               std::string_view(p).substr(eq + 1));
  }
  std::string prompt;
  if (args.prompt.empty()) {
    prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (const std::string& word : args.prompt) prompt += (prompt.empty() ? "" : " ") + word;
  }

  const int threads = threads_or_available(options.num_thread);
  LoadedModel loaded = LoadedModel::load(args.model, options.use_mmap, threads);
  ThreadPool pool(threads);
  Session session(*loaded.model, options.num_ctx, options.num_batch, &pool);
  const std::vector<int32_t> ids = loaded.tokenizer.encode(prompt, true, true);
  if (ids.empty()) fail("the prompt is empty");
  TokenizerText text(loaded.tokenizer);
  const GenerateStats stats = generate(session, ids, options, text, [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputs("\n", stdout);
  std::fflush(stdout);
  if (args.verbose) {
    print_run_summary({now_ns() - start, loaded.load_duration, stats.prompt_eval_count,
                       stats.prompt_eval_duration, stats.eval_count, stats.eval_duration});
  }
}

}  // namespace slimllm
