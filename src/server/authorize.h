// The API-key check of one request (server/api_keys.h): true when it may go on; otherwise the
// 401 (no valid key) or 403 (the key lacks the scope) is written in the route's own shape:
// Ollama's {"error": "..."}, OpenAI's error object on /v1, the registry's "errors" list on /v2.
#pragma once

#include "http/message.h"

#include <optional>
#include <string>
#include <string_view>

#include "server/api_keys.h"

namespace slimllm {

// The key of an `Authorization: Bearer <key>` header ("bearer" in any case), or nullopt.
std::optional<std::string_view> bearer_token(std::string_view authorization);

bool authorize(ApiKeys& keys, Scope scope, const http::Request& req, http::Response& res);

}  // namespace slimllm
