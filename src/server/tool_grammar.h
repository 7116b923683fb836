// The grammar that forces a tool call (/v1 tool_choice "required" or a named function, and the
// same `tool_choice` on /api/chat): the call in the format the model's template teaches (its
// tool-call tag, "arguments" or "parameters"), naming one of the allowed tools, with arguments
// that validate against that tool's parameter schema. Even a model that would never call a tool
// then answers with a call the tool-call parser reads back.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/runner.h"

namespace slimllm {

// `prefix`: the template's tool-call prefix ("" or "{" when it has none); `only`: the one tool
// allowed ("" ⇒ any of `tools`). Throws ApiError 400 when no tool qualifies or a parameter
// schema uses what the grammar cannot enforce.
OutputGrammar forced_tool_call_grammar(std::string_view prefix, std::string_view template_text,
                                       const nlohmann::ordered_json& tools,
                                       const std::string& only);

}  // namespace slimllm
