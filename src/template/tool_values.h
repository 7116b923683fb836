// Ollama's tool and tool-call types as template values: Go field names for access
// (.Function.Name, .Function.Parameters.Properties), and the compact JSON Ollama's String()
// and MarshalJSON produce when printed (struct field order, empty fields omitted, tool-call
// arguments in the order the model or client gave them).
#pragma once

#include <nlohmann/json.hpp>

#include "template/value.h"

namespace slimllm {

// One element of a request's "tools" array. Throws Error when it is not an object.
Value tool_value(const nlohmann::ordered_json& tool);
// A tool call's "arguments" object (anything else prints as {}).
Value tool_arguments_value(const nlohmann::ordered_json& arguments);

}  // namespace slimllm
