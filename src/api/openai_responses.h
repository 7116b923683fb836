// OpenAI's Responses API (/v1/responses) as Ollama serves it (openai/responses.go): the request
// becomes a native /api/chat request (instructions → a system message, input items → messages,
// tools → native tools), and the native answer becomes a `response` object — or, streamed, the
// sequence of typed server-sent events (response.created ... response.completed). Stateless:
// previous_response_id and conversations are not kept. Pure functions over JSON; the route only
// plumbs them onto the native chat handler.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/go_json.h"

namespace slimllm::api::openai {

// What the answer needs from the request: ids, the model as named, and the request's settings
// that the response object echoes back.
struct ResponsesExchange {
  std::string id;          // resp_N
  std::string message_id;  // msg_N, the assistant message item
  std::string model;
  int64_t created_at = 0;  // unix seconds
  bool stream = false;
  nlohmann::json request;  // the original request (instructions, temperature, tools, ...)
};

// /v1/responses → /api/chat. Throws ApiError 400 with Ollama's texts for what it refuses.
nlohmann::json responses_request(const nlohmann::json& request, ResponsesExchange& exchange);

// The final native /api/chat object (content and thinking whole) → a `response` object.
OrderedJson response_object(const nlohmann::json& native, const ResponsesExchange& exchange);

// One server-sent event: `event: <type>\ndata: <json>\n\n`.
struct ResponseEvent {
  std::string type;
  OrderedJson data;  // carries "type" and "sequence_number"
  std::string sse() const;
};

// Turns native /api/chat stream chunks into Responses events, keeping the state the sequence
// needs (sequence numbers, the open reasoning and message items, the text so far).
class ResponsesStream {
 public:
  explicit ResponsesStream(ResponsesExchange exchange) : x_(std::move(exchange)) {}

  // The events for one native chunk; the first call also opens the response, the chunk with
  // done:true closes it (response.completed).
  std::vector<ResponseEvent> chunk(const nlohmann::json& native);
  // An error after the stream began: a `response.failed` event (opening the response first if
  // nothing was sent yet).
  std::vector<ResponseEvent> failed(const std::string& message);

 private:
  ResponseEvent event(const std::string& type, OrderedJson data);
  OrderedJson response(const std::string& status, OrderedJson output, OrderedJson usage) const;
  void open(std::vector<ResponseEvent>& out);
  void finish_reasoning(std::vector<ResponseEvent>& out);
  OrderedJson final_output() const;

  ResponsesExchange x_;
  int sequence_ = 0;
  int output_index_ = 0;
  bool opened_ = false;
  bool reasoning_started_ = false;
  bool reasoning_done_ = false;
  bool text_started_ = false;
  std::string reasoning_id_;
  std::string thinking_;
  std::string text_;
  OrderedJson tool_call_items_ = OrderedJson::array();
};

}  // namespace slimllm::api::openai
