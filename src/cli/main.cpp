// The slimllm binary: one executable, many subcommands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "base/error.h"
#include "base/log.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  slimllm::log_level_from_env();
  CLI::App app{"slimllm: runs small language models on CPUs and speaks Ollama's API"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", "slimllm version 0.1.0");
  slimllm::add_inspect_command(app);
  slimllm::add_tokenize_commands(app);
  slimllm::add_template_command(app);
  slimllm::add_run_command(app);
  slimllm::add_bench_command(app);
  slimllm::add_serve_command(app);
  slimllm::add_model_commands(app);
  slimllm::add_create_command(app);
  slimllm::add_transfer_commands(app);
  slimllm::add_health_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const slimllm::Error& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 1;
  }
  return 0;
}
