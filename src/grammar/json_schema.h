// JSON Schema → GBNF, for structured outputs (`format` on /api/generate and /api/chat,
// `response_format` on /v1/chat/completions, forced tool calls). The grammar admits the JSON
// texts (compact or with bounded whitespace) that validate against the schema, for the keywords
// clients send; a schema using a keyword it cannot enforce is refused, never silently loosened.
// Where the grammar is stricter than the schema (declared properties in their declared order, no
// undeclared properties unless `additionalProperties` allows them, bounded digit counts and
// whitespace), json_schema.cpp says why at the rule that does it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slimllm::grammar {

// Any JSON object (Ollama's `format: "json"`).
std::string json_object_gbnf();

// The grammar of the schema; its start rule is `root`. Properties are emitted in the order the
// schema lists them, which is why the schema is an ordered_json (parse the request body with
// nlohmann::ordered_json::parse). Throws Error whose message begins "unsupported JSON schema"
// and names every keyword it cannot enforce, or says what is invalid about the schema (a $ref it
// cannot resolve, minItems > maxItems, an unknown type, ...).
std::string json_schema_gbnf(const nlohmann::ordered_json& schema);
// The same for a schema already parsed into a sorted nlohmann::json: properties come out in
// alphabetical order, since that is all such a schema still knows.
std::string json_schema_gbnf(const nlohmann::json& schema);

}  // namespace slimllm::grammar
