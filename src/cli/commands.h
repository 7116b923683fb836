// Every subcommand of the `slimllm` binary, one file each (cmd_<name>.cpp). Each adds itself to
// the app; its callback throws Error on failure, which main turns into "Error: <message>" and
// exit status 1, or calls std::exit with a specific status where the command documents one.
#pragma once

#include <CLI/CLI.hpp>

namespace slimllm {

void add_inspect_command(CLI::App& app);     // cmd_inspect.cpp
void add_tokenize_commands(CLI::App& app);   // cmd_tokenize.cpp: tokenize, detokenize
void add_template_command(CLI::App& app);    // cmd_template.cpp: template render
void add_run_command(CLI::App& app);         // cmd_run.cpp: run
void add_bench_command(CLI::App& app);       // cmd_bench.cpp: bench
void add_serve_command(CLI::App& app);       // cmd_serve.cpp: serve
void add_model_commands(CLI::App& app);      // cmd_models.cpp: list, ps, show, rm, cp, stop
void add_create_command(CLI::App& app);      // cmd_create.cpp: create
void add_transfer_commands(CLI::App& app);   // cmd_transfer.cpp: pull, push
void add_health_command(CLI::App& app);      // cmd_health.cpp: health

}  // namespace slimllm
