#include "api/rerank.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "api/api_error.h"
#include "api/embed.h"
#include "api/go_decode.h"

namespace slimllm::api {
namespace {

std::string document_text(const nlohmann::json& d) {
  if (d.is_string()) return d.get<std::string>();
  if (d.is_object()) {
    auto text = d.find("text");
    if (text != d.end() && text->is_string()) return text->get<std::string>();
  }
  fail_status(400, "documents must be a non-empty list of strings or {\"text\": ...} objects");
}

}  // namespace

RerankRequest RerankRequest::from_json(const nlohmann::json& j) {
  const char* o = "RerankRequest";
  check_object(j, o);
  RerankRequest r;
  read_model_fields(j, o, r.model, r.options, r.keep_alive);
  if (auto it = j.find("query"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) type_error(*it, o, "query", "string");
    r.query = it->get<std::string>();
  }
  if (r.query.empty()) fail_status(400, "query is required");
  auto docs = j.find("documents");
  if (docs == j.end() || !docs->is_array() || docs->empty()) {
    fail_status(400, "documents must be a non-empty list of strings or {\"text\": ...} objects");
  }
  for (const nlohmann::json& d : *docs) r.documents.push_back(document_text(d));
  if (auto it = j.find("top_n"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) type_error(*it, o, "top_n", "int");
    r.top_n = it->get<int64_t>();
    if (*r.top_n < 1) fail_status(400, "top_n must be at least 1");
  }
  if (auto it = j.find("return_documents"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) type_error(*it, o, "return_documents", "bool");
    r.return_documents = it->get<bool>();
  }
  if (auto it = j.find("truncate"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) type_error(*it, o, "truncate", "bool");
    r.truncate = it->get<bool>();
  }
  return r;
}

OrderedJson RerankResponse::to_json(const RerankRequest& request) const {
  std::vector<size_t> order(logits.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return logits[a] > logits[b]; });
  const size_t shown =
      request.top_n ? std::min(order.size(), static_cast<size_t>(*request.top_n)) : order.size();
  OrderedJson results = OrderedJson::array();
  for (size_t k = 0; k < shown; ++k) {
    const size_t i = order[k];
    OrderedJson item;
    item["index"] = i;
    item["relevance_score"] = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[i])));
    item["relevance_logit"] = go_float32(logits[i]);
    if (request.return_documents && i < request.documents.size()) {
      item["document"] = OrderedJson{{"text", request.documents[i]}};
    }
    results.push_back(std::move(item));
  }
  OrderedJson j;
  j["model"] = model;
  j["object"] = "list";
  j["results"] = std::move(results);
  j["usage"] = OrderedJson{{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}};
  return j;
}

}  // namespace slimllm::api
