#include "api/openai_embed.h"

#include <cstring>

#include "api/api_error.h"
#include "api/embed.h"
#include "base/strings.h"

namespace slimllm::api::openai {
namespace {

using Json = nlohmann::json;

bool equal_fold(const std::string& a, const char* b) {
  if (a.size() != std::strlen(b)) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

bool all_of(const Json& list, bool (Json::*is)() const noexcept) {
  for (const Json& v : list) {
    if (!(v.*is)()) return false;
  }
  return true;
}

bool token_list(const Json& v) {
  return v.is_array() && !v.empty() && all_of(v, &Json::is_number_integer);
}

}  // namespace

Json embeddings_request(const Json& request, EmbedExchange& exchange) {
  if (!request.is_object()) {
    fail_status(400, "json: cannot unmarshal " + std::string(request.type_name()) +
                         " into Go value of type openai.EmbedRequest");
  }
  if (auto it = request.find("model"); it != request.end() && it->is_string()) {
    exchange.model = it->get<std::string>();
  }
  if (auto it = request.find("encoding_format"); it != request.end() && !it->is_null()) {
    const std::string format = it->is_string() ? it->get<std::string>() : it->dump();
    if (!format.empty() && !equal_fold(format, "float") && !equal_fold(format, "base64")) {
      fail_status(400, str_cat("Invalid value for 'encoding_format' = ", format,
                               ". Supported values: ['float', 'base64']."));
    }
    exchange.base64 = equal_fold(format, "base64");
  }
  Json input = request.contains("input") ? request["input"] : Json();
  if (input.is_string() && input.get<std::string>().empty()) input = Json::array({""});
  if (input.is_null() || (input.is_array() && input.empty())) fail_status(400, "invalid input");

  Json native = Json::object();
  native["model"] = request.contains("model") ? request["model"] : Json("");
  if (token_list(input)) {
    native["_tokens"] = Json::array({input});
  } else if (input.is_array() && all_of(input, &Json::is_array) &&
             std::all_of(input.begin(), input.end(), token_list)) {
    native["_tokens"] = input;
  } else {
    native["input"] = input;
  }
  if (auto it = request.find("dimensions"); it != request.end()) native["dimensions"] = *it;
  return native;
}

OrderedJson embeddings_response(const Json& native, const EmbedExchange& exchange) {
  OrderedJson data = OrderedJson::array();
  const Json empty = Json::array();
  const Json& list = native.contains("embeddings") ? native["embeddings"] : empty;
  for (size_t i = 0; i < list.size(); ++i) {
    OrderedJson item;
    item["object"] = "embedding";
    std::vector<float> v = list[i].get<std::vector<float>>();
    if (exchange.base64) {
      item["embedding"] = base64_floats(v);
    } else {
      OrderedJson floats = OrderedJson::array();
      for (float f : v) floats.push_back(go_float32(f));
      item["embedding"] = std::move(floats);
    }
    item["index"] = i;
    data.push_back(std::move(item));
  }
  const int64_t tokens = native.value("prompt_eval_count", int64_t{0});
  OrderedJson j;
  j["object"] = "list";
  j["data"] = std::move(data);
  j["model"] = exchange.model;
  j["usage"] = OrderedJson{{"prompt_tokens", tokens}, {"total_tokens", tokens}};
  return j;
}

std::string base64_floats(const std::vector<float>& v) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  bytes.reserve(v.size() * 4);
  for (float f : v) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = 0;
    for (size_t k = 0; k < 3; ++k) {
      const uint32_t b = k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u;
      group |= b << (16 - 8 * k);
    }
    for (size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kAlphabet[(group >> (18 - 6 * k)) & 0x3f] : '=');
    }
  }
  return out;
}

}  // namespace slimllm::api::openai
