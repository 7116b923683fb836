// Text of `slimllm show` that the interactive chat's /show info prints too.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slimllm {

// The sections `ollama show MODEL` prints (Model, Capabilities, Parameters, System, License, and
// Metadata when verbose) from an /api/show response.
std::string format_show_info(const nlohmann::json& show, bool verbose);

}  // namespace slimllm
