// Every subcommand of the `slimllm` binary. Each adds itself to the app; its callback throws
// Error on failure, which main turns into "Error: <message>" and exit status 1.
#pragma once

#include <CLI/CLI.hpp>

namespace slimllm {

void add_inspect_command(CLI::App& app);

}  // namespace slimllm
