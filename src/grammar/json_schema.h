// JSON Schema → GBNF, for structured outputs (`format` on /api/generate and /api/chat,
// `response_format` on /v1/chat/completions, forced tool calls). The grammar admits exactly the
// JSON texts (compact or with bounded whitespace) that validate against the schema, for the
// keywords clients send; a schema using a keyword it cannot enforce is refused, never silently
// loosened.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace slimllm::grammar {

// Any JSON object (Ollama's `format: "json"`).
std::string json_object_gbnf();

// The grammar of the schema; its start rule is `root`. Throws Error whose message begins
// "unsupported JSON schema" and names the keywords it cannot enforce, or says what is invalid
// about the schema (a $ref it cannot resolve, minItems > maxItems, ...).
std::string json_schema_gbnf(const nlohmann::json& schema);

}  // namespace slimllm::grammar
