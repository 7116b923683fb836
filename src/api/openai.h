// The OpenAI-compatible API (/v1) as Ollama implements it: each request is translated into the
// native request (chat → /api/chat, completions → /api/generate), and each native answer (the
// final object, or each NDJSON chunk) back into OpenAI's shape. Pure functions over JSON, so the
// routes only plumb them onto the native handlers.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "store/go_json.h"

namespace slimllm::api::openai {

using Json = nlohmann::json;

// {"error":{"message":...,"type":...,"param":null,"code":null}}; the type follows the status
// (400 invalid_request_error, 404 not_found_error, else api_error) unless given.
OrderedJson error_body(int status, const std::string& message, const std::string& type = "");

// What a translated request needs to translate its answers back.
struct Exchange {
  std::string id;       // chatcmpl-N / cmpl-N
  std::string model;    // as the client named it
  int64_t created = 0;  // unix seconds
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool logprobs = false;       // report logprobs in the answer (chat: logprobs; completions: N)
  std::string echo;            // /v1/completions echo: the prompt, put before the answer
  bool echoed = false;         // the echo went out with a streamed chunk already
};

// /v1/chat/completions → /api/chat. Throws ApiError 400 for what OpenAI's middleware refuses
// (no model, empty messages, an image that is not a base64 data URI, bad content parts).
Json chat_request(const Json& request, Exchange& exchange);
// /v1/completions → /api/generate.
Json completion_request(const Json& request, Exchange& exchange);

// The final native /api/chat object → chat.completion.
OrderedJson chat_response(const Json& native, const Exchange& exchange);
// One native streamed chunk → chat.completion.chunk (finish_reason on the last one).
OrderedJson chat_chunk(const Json& native, const Exchange& exchange, bool& sent_tool_calls);
// The final native /api/generate object → text_completion.
OrderedJson completion_response(const Json& native, const Exchange& exchange);
OrderedJson completion_chunk(const Json& native, Exchange& exchange);
// The usage-only chunk streamed last when include_usage was asked for.
OrderedJson usage_chunk(const Json& native_final, const Exchange& exchange, const char* object);

// /v1/models entries from /api/tags-like facts.
OrderedJson model_entry(const std::string& id, int64_t created, const std::string& owned_by);

}  // namespace slimllm::api::openai
