// Placeholder: filled in by the issue that adds this command.
#include "cli/commands.h"

namespace slimllm {

void add_health_command(CLI::App& app) { (void)app; }

}  // namespace slimllm
