// /v1/embeddings as Ollama's OpenAI layer implements it: the request becomes an /api/embed body
// and the native answer OpenAI's embedding list, with vectors as floats or as base64 of their
// little-endian float32 bytes. Pure functions over JSON, like api/openai.h for chat.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/go_json.h"

namespace slimllm::api::openai {

struct EmbedExchange {
  std::string model;  // as the client named it
  bool base64 = false;
};

// /v1/embeddings → /api/embed. `input`: a string ("" is one empty input), a list of strings, a
// list of token ids (one input) or a list of such lists (slimllm's extension: Ollama refuses
// token arrays; they go to the native handler as `_tokens`). Other shapes pass through for the
// native handler to refuse ("invalid input type"). Throws ApiError 400 for what Ollama's
// middleware refuses: a missing or empty input ("invalid input"), an encoding_format other than
// float or base64 (any case).
nlohmann::json embeddings_request(const nlohmann::json& request, EmbedExchange& exchange);

// The /api/embed answer → {"object":"list","data":[{"object":"embedding","embedding":...,
// "index":i}],"model":...,"usage":{"prompt_tokens":n,"total_tokens":n}}.
OrderedJson embeddings_response(const nlohmann::json& native, const EmbedExchange& exchange);

// Standard base64 of the vector's float32 values, little-endian, as OpenAI's clients decode it.
std::string base64_floats(const std::vector<float>& v);

}  // namespace slimllm::api::openai
