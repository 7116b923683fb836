// /api/embed and the legacy /api/embeddings: their requests and responses as Ollama reads and
// writes them, and the normalization Ollama applies to /api/embed's vectors.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/go_json.h"

namespace slimllm::api {

using Json = nlohmann::json;

struct EmbedRequest {
  std::string model;
  // `input` as a list: a non-empty string is one input, "" or null none; a list must hold only
  // strings. Anything else is ApiError 400 "invalid input type".
  std::vector<std::string> input;
  // slimllm's extension, what /v1/embeddings' token-array inputs become: `_tokens`, a list of
  // token-id lists, embedded after `input` as they are.
  std::vector<std::vector<int32_t>> tokens;
  std::optional<bool> truncate;  // absent: true
  int dimensions = 0;            // > 0 and below the model's: Matryoshka truncation
  Json options;                  // validated
  std::optional<int64_t> keep_alive;

  static EmbedRequest from_json(const Json& j);
};

struct EmbedResponse {
  std::string model;
  std::vector<std::vector<float>> embeddings;
  int64_t total_duration = 0;  // the three are omitted when 0, as Go's omitempty does
  int64_t load_duration = 0;
  int64_t prompt_eval_count = 0;
  OrderedJson to_json() const;
};

struct EmbeddingRequest {
  std::string model;
  std::string prompt;
  Json options;  // validated
  std::optional<int64_t> keep_alive;

  static EmbeddingRequest from_json(const Json& j);
};

struct EmbeddingResponse {
  std::vector<float> embedding;  // written as float64, as Ollama widens them
  OrderedJson to_json() const;
};

// The fields the embedding-model requests share (/api/embed, /api/embeddings, /api/rerank):
// `model`, `options` (validated) and `keep_alive`, with Go's messages for wrong types.
void read_model_fields(const Json& j, const char* owner, std::string& model, Json& options,
                       std::optional<int64_t>& keep_alive);

// Ollama's post-processing of an /api/embed vector: L2-normalized, then, when 0 < dimensions <
// its size, cut to `dimensions` and normalized again. Throws ApiError 400 "embedding contains
// NaN or Inf values" as Ollama does.
std::vector<float> finish_embedding(std::vector<float> v, int dimensions);

// A float32 as Go's encoding/json writes one (the shortest text that reads back as the same
// float32, not the float64 expansion): the double that prints that way.
double go_float32(float f);

}  // namespace slimllm::api
