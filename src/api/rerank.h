// /api/rerank and /v1/rerank: a query and documents in, each document's relevance out — the shape
// llama.cpp's server, Jina and Cohere use ({"results": [{"index", "relevance_score"}]}, best
// first), which rerank clients (LangChain's, Open WebUI's "external" reranker, LlamaIndex's)
// already speak. Ollama has no reranking endpoint; the two paths differ only in their error shape.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/go_json.h"

namespace slimllm::api {

struct RerankRequest {
  std::string model;
  std::string query;
  // Strings, or objects with a "text" string (Cohere's and Jina's form).
  std::vector<std::string> documents;
  std::optional<int64_t> top_n;   // absent: every document
  bool return_documents = false;  // each result carries {"text": ...} of its document
  std::optional<bool> truncate;   // absent: true, as /api/embed
  nlohmann::json options;         // validated
  std::optional<int64_t> keep_alive;

  // Throws ApiError 400 for a missing query, documents that are not a non-empty list of texts,
  // a top_n below 1, and wrongly typed fields (Go's decoder messages).
  static RerankRequest from_json(const nlohmann::json& j);
};

struct RerankResponse {
  std::string model;
  // Per document, in the request's order: the reranker's relevance logit.
  std::vector<float> logits;
  int64_t prompt_tokens = 0;

  // {"model", "object": "list", "results": [{"index", "relevance_score"[, "document"]}],
  // "usage": {"prompt_tokens", "total_tokens"}}: the documents by descending score (ties in
  // request order), the first top_n of them. relevance_score is the probability sigmoid(logit)
  // in [0, 1] — what Cohere's and Jina's APIs give and score thresholds expect — and
  // "relevance_logit" the raw value llama.cpp's server reports.
  OrderedJson to_json(const RerankRequest& request) const;
};

}  // namespace slimllm::api
