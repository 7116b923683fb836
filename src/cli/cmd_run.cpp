// `slimllm run PATH.gguf [PROMPT]`: loads a model file in-process and streams its generation
// for a raw prompt (BOS as the vocabulary says, no template). Running a model *name* goes
// through the server and comes with it.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "base/cgroup.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/thread_pool.h"
#include "cli/commands.h"
#include "engine/generate.h"
#include "engine/loaded_model.h"
#include "engine/options.h"
#include "engine/session.h"
#include "engine/tokenizer_text.h"

namespace slimllm {
namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> prompt;
  bool verbose = false;
  std::vector<std::string> parameters;
};

// `value` units of `unit` nanoseconds as Go prints a time.Duration below one second: "1.5ms".
std::string go_fraction(uint64_t ns, uint64_t unit, int digits, const char* suffix) {
  std::string s = std::to_string(ns / unit);
  std::string frac = std::to_string(ns % unit);
  frac.insert(0, static_cast<size_t>(digits) - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) s += "." + frac;
  return s + suffix;
}

// Go's time.Duration.String(), which Ollama's `run --verbose` prints: "1.234567ms", "2m3.5s".
std::string go_duration(int64_t ns) {
  if (ns == 0) return "0s";
  const std::string sign = ns < 0 ? "-" : "";
  const uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + go_fraction(u, 1000, 3, "µs");
  if (u < 1000000000) return sign + go_fraction(u, 1000000, 6, "ms");
  const uint64_t secs = u / 1000000000;
  std::string s = go_fraction(secs % 60 * 1000000000 + u % 1000000000, 1000000000, 9, "s");
  const uint64_t mins = secs / 60;
  if (mins > 0) {
    s = std::to_string(mins % 60) + "m" + s;
    if (mins / 60 > 0) s = std::to_string(mins / 60) + "h" + s;
  }
  return sign + s;
}

// The block `ollama run --verbose` prints after the answer (Ollama's Metrics.Summary).
void print_summary(int64_t total, int64_t load, const GenerateStats& st) {
  if (total > 0) std::fprintf(stderr, "total duration:       %s\n", go_duration(total).c_str());
  if (load > 0) std::fprintf(stderr, "load duration:        %s\n", go_duration(load).c_str());
  if (st.prompt_eval_count > 0) {
    std::fprintf(stderr, "prompt eval count:    %lld token(s)\n",
                 static_cast<long long>(st.prompt_eval_count));
  }
  if (st.prompt_eval_duration > 0) {
    std::fprintf(stderr, "prompt eval duration: %s\n",
                 go_duration(st.prompt_eval_duration).c_str());
    std::fprintf(stderr, "prompt eval rate:     %.2f tokens/s\n",
                 static_cast<double>(st.prompt_eval_count) / (st.prompt_eval_duration / 1e9));
  }
  if (st.eval_count > 0) {
    std::fprintf(stderr, "eval count:           %lld token(s)\n",
                 static_cast<long long>(st.eval_count));
  }
  if (st.eval_duration > 0) {
    std::fprintf(stderr, "eval duration:        %s\n", go_duration(st.eval_duration).c_str());
    std::fprintf(stderr, "eval rate:            %.2f tokens/s\n",
                 static_cast<double>(st.eval_count) / (st.eval_duration / 1e9));
  }
}

void run(const RunArgs& args) {
  const int64_t start = now_ns();
  GenerateOptions options;
  for (const std::string& p : args.parameters) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos) fail("--parameter '", p, "' is not of the form key=value");
    set_option(options, str_trim(std::string_view(p).substr(0, eq)),
               std::string_view(p).substr(eq + 1));
  }
  if (!std::filesystem::is_regular_file(args.model)) {
    fail("model '", args.model, "' not found (slimllm run takes a GGUF file path)");
  }
  std::string prompt;
  if (args.prompt.empty()) {
    prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (const std::string& word : args.prompt) prompt += (prompt.empty() ? "" : " ") + word;
  }

  LoadedModel loaded = LoadedModel::load(args.model);
  ThreadPool pool(options.num_thread > 0 ? options.num_thread : available_cpus());
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
  if (args.verbose) print_summary(now_ns() - start, loaded.load_duration, stats);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model file on a prompt");
  cmd->add_option("model", args->model, "Path of a GGUF model file")->required();
  cmd->add_option("prompt", args->prompt, "Prompt (default: read from standard input)");
  cmd->add_flag("--verbose", args->verbose, "Show timings for the response");
  cmd->add_option("--parameter", args->parameters,
                  "Model option as key=value (repeatable): temperature=0, num_predict=64, ...")
      ->take_all()
      ->allow_extra_args(false);
  cmd->callback([args] { run(*args); });
}

}  // namespace slimllm
