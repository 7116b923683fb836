// The interactive chat of `slimllm run NAME` on a terminal: Ollama's REPL with its commands
// (/set, /show, /load, /save, /clear, /bye, /?), """ multi-line messages, Ctrl-C stopping an
// answer and Ctrl-D leaving. Messages go to /api/chat with the conversation so far.
#pragma once

#include <nlohmann/json.hpp>

#include "api/client.h"
#include "cli/run_args.h"

namespace slimllm {

// Reads from standard input until /bye or end of input. `options` are the --parameter options.
void run_interactive(api::Client& client, const RunArgs& args, nlohmann::json options);

}  // namespace slimllm
