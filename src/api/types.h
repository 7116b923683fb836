// Every request and response of Ollama's native API, once. Requests are read from JSON with Go's
// leniency (unknown fields ignored) and Go's messages for wrong types; responses are written as
// ordered JSON in Go's struct field order with Go's omitempty rules. Dump them with go_json().
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/go_json.h"

namespace slimllm::api {

using Json = nlohmann::json;

// Parses a request body: "missing request body" for an empty one, Go's decoder message for bad
// JSON, both as ApiError 400.
Json parse_body(const std::string& body);

// ApiError 400 naming `what` ("request body", "tool call arguments") and the limit when `text`
// nests JSON deeper than kMaxJsonDepth (base/json_depth.h); every JSON text from a client goes
// through it before it is parsed.
void check_json_depth(std::string_view text, std::string_view what);

struct Message {
  std::string role;
  std::string content;
  std::string thinking;
  std::vector<std::string> images;
  OrderedJson tool_calls;  // array or null
  std::string tool_name;
  std::string tool_call_id;

  static Message of(std::string role, std::string content) {
    Message m;
    m.role = std::move(role);
    m.content = std::move(content);
    return m;
  }
  static Message from_json(const Json& j);
  OrderedJson to_json() const;
};

struct Metrics {
  int64_t total_duration = 0;
  int64_t load_duration = 0;
  int64_t prompt_eval_count = 0;
  int64_t prompt_eval_duration = 0;
  int64_t eval_count = 0;
  int64_t eval_duration = 0;
  void append_to(OrderedJson& j) const;
};

// The fields /api/generate and /api/chat share.
struct InferenceRequest {
  std::string model;
  Json format;   // null, "json" or a schema object
  Json options;  // validated
  bool stream = true;
  std::optional<int64_t> keep_alive;  // nanoseconds; kForever for negative
  Json think;
  std::optional<bool> truncate, shift;
  bool logprobs = false;
  int top_logprobs = 0;
  bool debug_render_only = false;
};

struct GenerateRequest : InferenceRequest {
  std::string prompt;
  std::string suffix;
  std::string system;
  std::optional<std::string> template_text;
  std::vector<int32_t> context;
  bool raw = false;
  std::vector<std::string> images;

  static GenerateRequest from_json(const Json& j);
};

struct GenerateResponse {
  std::string model;
  std::string created_at;
  std::string response;
  std::string thinking;
  bool done = false;
  std::string done_reason;
  std::vector<int32_t> context;
  Metrics metrics;
  OrderedJson logprobs;  // array or null
  OrderedJson to_json() const;
};

struct ChatRequest : InferenceRequest {
  std::vector<Message> messages;
  Json tools;
  // slimllm's extension, and what /v1's tool_choice becomes: null/"auto", "none", "required",
  // or {"type":"function","function":{"name":...}}.
  Json tool_choice;

  static ChatRequest from_json(const Json& j);
};

struct ChatResponse {
  std::string model;
  std::string created_at;
  Message message;
  std::string done_reason;
  bool done = false;
  Metrics metrics;
  OrderedJson logprobs;  // array or null
  OrderedJson to_json() const;
};

// show, delete, pull, push share this shape: model (or the deprecated name) and a few flags.
struct ModelRequest {
  std::string model;
  bool verbose = false;
  bool insecure = false;
  bool stream = true;
  std::string system;
  Json options;
  static ModelRequest from_json(const Json& j);
};

struct CopyRequest {
  std::string source;
  std::string destination;
  static CopyRequest from_json(const Json& j);
};

struct CreateRequest {
  std::string model;
  std::string from;
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> adapters;
  std::optional<std::string> template_text;
  std::optional<std::string> system;
  std::vector<std::string> license;
  Json parameters;  // object or null
  std::optional<Json> messages;
  std::string quantize;
  bool stream = true;
  static CreateRequest from_json(const Json& j);
  OrderedJson to_json() const;  // what the CLI sends
};

struct ModelDetails {
  std::string parent_model;
  std::string format;
  std::string family;
  std::vector<std::string> families;
  std::string parameter_size;
  std::string quantization_level;
  OrderedJson to_json() const;
  static ModelDetails from_json(const Json& j);
};

struct ListModel {
  std::string name;
  std::string model;
  std::string modified_at;
  uint64_t size = 0;
  std::string digest;
  ModelDetails details;
  OrderedJson to_json() const;
  static ListModel from_json(const Json& j);
};

struct RunningModel {
  std::string name;
  std::string model;
  uint64_t size = 0;
  std::string digest;
  ModelDetails details;
  std::string expires_at;
  uint64_t size_vram = 0;
  int64_t context_length = 0;
  OrderedJson to_json() const;
  static RunningModel from_json(const Json& j);
};

struct ShowResponse {
  std::string license;
  std::string modelfile;
  std::string parameters;
  std::string template_text;
  std::string system;
  ModelDetails details;
  Json messages;  // array or null
  Json model_info;
  Json tensors;  // array or null
  std::vector<std::string> capabilities;
  std::string modified_at;
  OrderedJson to_json() const;
};

struct ProgressResponse {
  std::string status;
  std::string digest;
  int64_t total = 0;
  int64_t completed = 0;
  static ProgressResponse of(std::string status) {
    ProgressResponse p;
    p.status = std::move(status);
    return p;
  }
  OrderedJson to_json() const;
};

OrderedJson error_json(const std::string& message);

}  // namespace slimllm::api
