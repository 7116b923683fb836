// `slimllm run MODEL [PROMPT]`: a model name runs through the server at OLLAMA_HOST (pulled when
// missing; one prompt, or an interactive chat on a terminal), as Ollama's `run` does. A path to
// a GGUF file runs in this process with no server, for trying a file.
#include <filesystem>
#include <memory>

#include "base/error.h"
#include "cli/commands.h"
#include "cli/run_args.h"

namespace slimllm {
namespace {

// Model names never start with '/' or '.' nor end in ".gguf": such an argument is a file.
bool looks_like_path(const std::string& arg) {
  return arg.starts_with('/') || arg.starts_with("./") || arg.starts_with("../") ||
         arg.ends_with(".gguf");
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model");
  cmd->add_option("model", args->model, "Model name, or the path of a GGUF file")->required();
  cmd->add_option("prompt", args->prompt,
                  "Prompt (default: standard input when it is not a terminal, else a chat)");
  cmd->add_flag("--verbose", args->verbose, "Show timings for the response");
  cmd->add_option("--keepalive", args->keep_alive, "Duration to keep the model loaded (e.g. 5m)");
  cmd->add_option("--format", args->format, "Response format (e.g. json)");
  cmd->add_flag("--insecure", args->insecure, "Use an insecure registry when pulling");
  cmd->add_flag("--nowordwrap", args->nowordwrap, "Accepted for Ollama's CLI (never wraps)");
  // As Go's flag with a default for the bare form: --think is --think=true; a level needs '='.
  cmd->add_flag("--think{true}", args->think,
                "Enable thinking mode: true/false or high/medium/low for supported models");
  cmd->add_flag("--hidethinking", args->hide_thinking, "Hide thinking output (if provided)");
  cmd->add_flag("--truncate{true}", args->truncate,
                "Embedding models: cut inputs longer than the context (default true)");
  cmd->add_option("--dimensions", args->dimensions,
                  "Embedding models: the vector's length (Matryoshka truncation)")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--parameter", args->parameters,
                  "Model option as key=value (repeatable): temperature=0, num_predict=64, ...")
      ->take_all()
      ->allow_extra_args(false);
  cmd->callback([args] {
    std::error_code ec;
    if (std::filesystem::is_regular_file(args->model, ec)) {
      run_model_file(*args);
    } else if (looks_like_path(args->model)) {
      fail("model file '", args->model, "' not found (a path runs a GGUF file in-process)");
    } else {
      run_model_remote(*args);
    }
  });
}

}  // namespace slimllm
