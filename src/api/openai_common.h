// What the OpenAI-compatible translations (/v1/chat/completions, /v1/completions,
// /v1/responses) share: their 400, their timestamps and Ollama's random ids.
#pragma once

#include <cstdint>
#include <string>

namespace slimllm::api::openai {

// Throws ApiError 400 with `message` (Ollama's {"error": ...}).
[[noreturn]] void bad_request(const std::string& message);

// Seconds since the Unix epoch: the `created` and `created_at` fields.
int64_t unix_now();

// `prefix` and a random number below `below`, as Ollama makes ids (999 for chat completions,
// 999999 for responses).
std::string random_id(const char* prefix, int below);

}  // namespace slimllm::api::openai
