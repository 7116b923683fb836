// `slimllm pull NAME [--insecure]` and `slimllm push NAME [--insecure]`: clients of the server's
// /api/pull and /api/push, showing the progress stream as Ollama's client does (bars on a
// terminal, plain lines otherwise).
#include "api/client.h"
#include "cli/commands.h"
#include "cli/progress.h"

namespace slimllm {
namespace {

void run_stream(const std::string& path, const std::string& model, bool insecure) {
  api::Client client = api::Client::from_env();
  post_with_progress(client, path, {{"model", model}, {"insecure", insecure}, {"stream", true}});
}

}  // namespace

void add_transfer_commands(CLI::App& app) {
  static std::string pull_name;
  static bool pull_insecure = false;
  auto* pull = app.add_subcommand("pull", "Pull a model from a registry");
  pull->add_option("model", pull_name, "Name of the model")->required();
  pull->add_flag("--insecure", pull_insecure, "Use an insecure registry");
  pull->callback([] { run_stream("/api/pull", pull_name, pull_insecure); });

  static std::string push_name;
  static bool push_insecure = false;
  auto* push = app.add_subcommand("push", "Push a model to a registry");
  push->add_option("model", push_name, "Name of the model")->required();
  push->add_flag("--insecure", push_insecure, "Use an insecure registry");
  push->callback([] { run_stream("/api/push", push_name, push_insecure); });
}

}  // namespace slimllm
