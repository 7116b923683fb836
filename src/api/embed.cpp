#include "api/embed.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "api/api_error.h"
#include "api/duration.h"
#include "api/go_decode.h"
#include "api/options.h"
#include "base/strings.h"

namespace slimllm::api {
namespace {

template <typename Request>
void read_common(const Json& j, const char* owner, Request& r) {
  read_model_fields(j, owner, r.model, r.options, r.keep_alive);
}

}  // namespace

void read_model_fields(const Json& j, const char* owner, std::string& model, Json& options,
                       std::optional<int64_t>& keep_alive) {
  if (auto it = j.find("model"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) type_error(*it, owner, "model", "string");
    model = it->get<std::string>();
  }
  auto opts = j.find("options");
  options = validate_options(opts == j.end() ? Json() : *opts);
  if (auto it = j.find("keep_alive"); it != j.end() && !it->is_null()) {
    try {
      keep_alive = parse_keep_alive(*it);
    } catch (const ApiError&) {
      throw;
    } catch (const Error& e) {
      fail_status(400, e.what());
    }
  }
}

EmbedRequest EmbedRequest::from_json(const Json& j) {
  const char* o = "EmbedRequest";
  check_object(j, o);
  EmbedRequest r;
  read_common(j, o, r);
  if (auto it = j.find("truncate"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) type_error(*it, o, "truncate", "bool");
    r.truncate = it->get<bool>();
  }
  if (auto it = j.find("dimensions"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) type_error(*it, o, "dimensions", "int");
    r.dimensions = it->get<int>();
  }
  auto input = j.find("input");
  if (input != j.end() && input->is_string()) {
    if (!input->get<std::string>().empty()) r.input.push_back(input->get<std::string>());
  } else if (input != j.end() && input->is_array()) {
    for (const Json& v : *input) {
      if (!v.is_string()) fail_status(400, "invalid input type");
      r.input.push_back(v.get<std::string>());
    }
  } else if (input != j.end() && !input->is_null()) {
    fail_status(400, "invalid input type");
  }
  if (auto it = j.find("_tokens"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) fail_status(400, "invalid input type");
    for (const Json& list : *it) {
      if (!list.is_array()) fail_status(400, "invalid input type");
      std::vector<int32_t> ids;
      for (const Json& id : list) {
        if (!id.is_number_integer()) fail_status(400, "invalid input type");
        ids.push_back(id.get<int32_t>());
      }
      r.tokens.push_back(std::move(ids));
    }
  }
  return r;
}

OrderedJson EmbedResponse::to_json() const {
  OrderedJson j;
  j["model"] = model;
  OrderedJson list = OrderedJson::array();
  for (const auto& e : embeddings) {
    OrderedJson v = OrderedJson::array();
    for (float f : e) v.push_back(go_float32(f));
    list.push_back(std::move(v));
  }
  j["embeddings"] = std::move(list);
  if (total_duration) j["total_duration"] = total_duration;
  if (load_duration) j["load_duration"] = load_duration;
  if (prompt_eval_count) j["prompt_eval_count"] = prompt_eval_count;
  return j;
}

EmbeddingRequest EmbeddingRequest::from_json(const Json& j) {
  const char* o = "EmbeddingRequest";
  check_object(j, o);
  EmbeddingRequest r;
  read_common(j, o, r);
  if (auto it = j.find("prompt"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) type_error(*it, o, "prompt", "string");
    r.prompt = it->get<std::string>();
  }
  return r;
}

OrderedJson EmbeddingResponse::to_json() const {
  OrderedJson j;
  OrderedJson v = OrderedJson::array();
  for (float f : embedding) v.push_back(static_cast<double>(f));
  j["embedding"] = std::move(v);
  return j;
}

namespace {

void normalize(std::vector<float>& v) {
  float sum = 0.0f;
  for (float x : v) {
    if (!std::isfinite(x)) fail_status(400, "embedding contains NaN or Inf values");
    sum += x * x;
  }
  // The floor keeps a zero vector zero instead of dividing by zero.
  const float scale =
      static_cast<float>(1.0 / std::max(std::sqrt(static_cast<double>(sum)), 1e-12));
  for (float& x : v) x *= scale;
}

}  // namespace

std::vector<float> finish_embedding(std::vector<float> v, int dimensions) {
  normalize(v);
  if (dimensions > 0 && static_cast<size_t>(dimensions) < v.size()) {
    v.resize(static_cast<size_t>(dimensions));
    normalize(v);
  }
  return v;
}

double go_float32(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  if (ec != std::errc()) return static_cast<double>(f);
  *end = '\0';
  return std::strtod(buf, nullptr);
}

}  // namespace slimllm::api
