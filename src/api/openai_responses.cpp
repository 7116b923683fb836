#include "api/openai_responses.h"

#include "api/api_error.h"
#include "api/base64_check.h"
#include "api/openai_common.h"
#include "api/types.h"
#include "base/strings.h"

namespace slimllm::api::openai {
namespace {

using Json = nlohmann::json;

// Ollama's ids for this API: a prefix and a random number below 999999.
constexpr int kIdRange = 999999;

std::string string_field(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

// An input_image's data URI → its base64 payload.
std::string image_payload(const std::string& url) {
  const size_t marker = url.find(";base64,");
  if (url.rfind("data:", 0) != 0 || marker == std::string::npos) bad_request("invalid image input");
  std::string payload = url.substr(marker + 8);
  if (base64_error_offset(payload)) bad_request("invalid image input");
  return payload;
}

// A message's content: a string, or parts (input_text, output_text, input_image).
void read_content(const Json& content, const std::string& where, Json& message) {
  if (content.is_null()) return;
  if (content.is_string()) {
    message["content"] = content;
    return;
  }
  if (!content.is_array()) bad_request(str_cat(where, ": content must be a string or array"));
  std::string text;
  Json images = Json::array();
  for (size_t i = 0; i < content.size(); ++i) {
    const Json& part = content[i];
    const std::string type = part.is_object() ? string_field(part, "type") : "";
    if (type == "input_text" || type == "output_text") {
      text += string_field(part, "text");
    } else if (type == "input_image") {
      const std::string url = string_field(part, "image_url");
      if (!url.empty()) images.push_back(image_payload(url));
    } else if (type == "input_file") {
      bad_request("file inputs are not currently supported");
    } else {
      bad_request(str_cat(where, ": content[", i, "]: unknown content type: ", type));
    }
  }
  message["content"] = text;
  if (!images.empty()) message["images"] = images;
}

// A function_call item's arguments (a JSON string) as the native object.
Json call_arguments(const Json& item) {
  const std::string text = string_field(item, "arguments");
  if (text.empty()) return Json::object();
  api::check_json_depth(text, "function call arguments");
  Json args = Json::parse(text, nullptr, false);
  if (args.is_discarded()) bad_request("failed to parse function call arguments");
  return args;
}

// Input items → native messages; reasoning items become the next assistant message's thinking.
void read_items(const Json& items, Json& messages) {
  std::string pending_thinking;
  for (size_t i = 0; i < items.size(); ++i) {
    const Json& item = items[i];
    const std::string where = str_cat("input[", i, "]");
    if (!item.is_object()) bad_request(str_cat(where, ": input item must be an object"));
    std::string type = string_field(item, "type");
    if (type.empty() && item.contains("role")) type = "message";
    if (type == "reasoning") {
      pending_thinking = string_field(item, "encrypted_content");
    } else if (type == "message") {
      Json m = {{"role", string_field(item, "role")}, {"content", ""}};
      read_content(item.value("content", Json()), where, m);
      if (m["role"] == "developer") m["role"] = "system";
      if (m["role"] == "assistant" && !pending_thinking.empty()) {
        m["thinking"] = pending_thinking;
        pending_thinking.clear();
      }
      messages.push_back(m);
    } else if (type == "function_call") {
      Json call = {{"function",
                    {{"name", string_field(item, "name")}, {"arguments", call_arguments(item)}}}};
      if (!string_field(item, "call_id").empty()) call["id"] = item["call_id"];
      if (messages.empty() || messages.back()["role"] != "assistant") {
        messages.push_back({{"role", "assistant"}, {"content", ""}});
      }
      Json& last = messages.back();
      if (!last.contains("tool_calls")) last["tool_calls"] = Json::array();
      last["tool_calls"].push_back(call);
      if (!pending_thinking.empty()) {
        last["thinking"] = pending_thinking;
        pending_thinking.clear();
      }
    } else if (type == "function_call_output") {
      Json m = {{"role", "tool"}, {"content", ""}};
      const Json output = item.value("output", Json());
      if (output.is_string()) {
        m["content"] = output;
      } else {
        read_content(output, where, m);
      }
      if (!string_field(item, "call_id").empty()) m["tool_call_id"] = item["call_id"];
      messages.push_back(m);
    } else if (type.empty()) {
      bad_request(str_cat(where, ": input item missing required 'type' field"));
    } else {
      bad_request(str_cat(where, ": unknown input item type: \"", type, "\""));
    }
  }
  if (!pending_thinking.empty()) {
    messages.push_back({{"role", "assistant"}, {"content", ""}, {"thinking", pending_thinking}});
  }
}

// Responses tools are flat ({type, name, description, parameters}); native ones nest a function.
Json native_tools(const Json& tools) {
  Json out = Json::array();
  for (const Json& t : tools) {
    if (!t.is_object()) bad_request("invalid tool");
    const std::string type = string_field(t, "type");
    if (type != "function") {
      bad_request(
          str_cat("tool type \"", type, "\" is not supported; only \"function\" tools are"));
    }
    Json function = {{"name", string_field(t, "name")},
                     {"description", string_field(t, "description")}};
    if (t.contains("parameters") && t["parameters"].is_object()) {
      function["parameters"] = t["parameters"];
    }
    out.push_back({{"type", "function"}, {"function", function}});
  }
  return out;
}

Json number_or_default(const Json& r, const char* key, double fallback) {
  if (r.contains(key) && r[key].is_number()) return r[key];
  return fallback;
}

// The request's settings as the response object echoes them (`sorted`: streamed events are Go
// maps, whose keys come out sorted; the whole response is a Go struct, in field order).
template <typename J>
void echo_settings(J& o, const Json& r) {
  const std::string instructions = string_field(r, "instructions");
  o["instructions"] = instructions.empty() ? J() : J(instructions);
  J tools = J::array();
  if (r.contains("tools") && r["tools"].is_array()) {
    for (const Json& t : r["tools"]) {
      if (!t.is_object()) bad_request("invalid type for 'tools': each tool must be an object");
      J tool;
      tool["type"] = string_field(t, "type");
      tool["name"] = string_field(t, "name");
      tool["description"] = t.value("description", Json());
      tool["strict"] = t.value("strict", Json());
      tool["parameters"] = t.value("parameters", Json());
      tools.push_back(tool);
    }
  }
  o["tools"] = tools;
  o["tool_choice"] = "auto";
  o["truncation"] = r.contains("truncation") && r["truncation"].is_string()
                        ? r["truncation"].get<std::string>()
                        : std::string("disabled");
  o["parallel_tool_calls"] = true;
  J format;
  format["type"] = "text";
  if (r.contains("text") && r["text"].is_object() && r["text"].contains("format") &&
      r["text"]["format"].is_object()) {
    format = J(r["text"]["format"]);
  }
  o["text"]["format"] = format;
  o["top_p"] = number_or_default(r, "top_p", 1.0);
  o["presence_penalty"] = 0;
  o["frequency_penalty"] = 0;
  o["top_logprobs"] = 0;
  o["temperature"] = number_or_default(r, "temperature", 1.0);
  const Json reasoning = r.value("reasoning", Json::object());
  const std::string effort = reasoning.is_object() ? string_field(reasoning, "effort") : "";
  const std::string summary = reasoning.is_object() ? string_field(reasoning, "summary") : "";
  if (effort.empty() && summary.empty()) {
    o["reasoning"] = nullptr;
  } else {
    o["reasoning"]["effort"] = effort.empty() ? J() : J(effort);
    o["reasoning"]["summary"] = summary.empty() ? J() : J(summary);
  }
}

template <typename J>
J usage_of(const Json& native) {
  const int64_t in = native.value("prompt_eval_count", int64_t{0});
  const int64_t out = native.value("eval_count", int64_t{0});
  J u;
  u["input_tokens"] = in;
  u["output_tokens"] = out;
  u["total_tokens"] = in + out;
  u["input_tokens_details"]["cached_tokens"] = 0;
  u["output_tokens_details"]["reasoning_tokens"] = 0;
  return u;
}

template <typename J>
J text_part(const std::string& text) {
  J part;
  part["type"] = "output_text";
  part["text"] = text;
  part["annotations"] = J::array();
  part["logprobs"] = J::array();
  return part;
}

template <typename J>
J message_item(const std::string& id, const std::string& status, const std::string& text,
               bool with_part) {
  J item;
  item["id"] = id;
  item["type"] = "message";
  item["status"] = status;
  item["role"] = "assistant";
  item["content"] = J::array();
  if (with_part) item["content"].push_back(text_part<J>(text));
  return item;
}

template <typename J>
J reasoning_item(const std::string& id, const std::string& thinking) {
  J item;
  item["id"] = id;
  item["type"] = "reasoning";
  J summary;
  summary["type"] = "summary_text";
  summary["text"] = thinking;
  item["summary"] = J::array({summary});
  item["encrypted_content"] = thinking;
  return item;
}

template <typename J>
J function_call_item(const std::string& id, const Json& call, const std::string& status,
                     bool with_arguments) {
  const Json f = call.value("function", Json::object());
  J item;
  item["id"] = id;
  item["type"] = "function_call";
  item["status"] = status;
  const std::string call_id = string_field(call, "id");
  item["call_id"] = call_id.empty() ? random_id("call_", kIdRange) : call_id;
  item["name"] = string_field(f, "name");
  item["arguments"] = with_arguments ? f.value("arguments", Json::object()).dump() : "";
  return item;
}

Json tool_calls_of(const Json& native) {
  const Json m = native.value("message", Json::object());
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) return m["tool_calls"];
  return Json::array();
}

}  // namespace

Json responses_request(const Json& r, ResponsesExchange& exchange) {
  if (!r.is_object()) bad_request("invalid request body");
  if (!r.contains("model") || !r["model"].is_string() || r["model"].get<std::string>().empty()) {
    bad_request("model is required");
  }
  for (const char* unsupported : {"previous_response_id", "conversation"}) {
    if (r.contains(unsupported) && !r[unsupported].is_null()) {
      bad_request(str_cat("'", unsupported, "' is not supported: responses are not stored"));
    }
  }
  exchange.id = random_id("resp_", kIdRange);
  exchange.message_id = random_id("msg_", kIdRange);
  exchange.model = r["model"].get<std::string>();
  exchange.created_at = unix_now();
  exchange.stream = r.contains("stream") && r["stream"].is_boolean() && r["stream"].get<bool>();
  exchange.request = r;

  Json messages = Json::array();
  const std::string instructions = string_field(r, "instructions");
  if (!instructions.empty()) messages.push_back({{"role", "system"}, {"content", instructions}});
  const Json input = r.value("input", Json());
  if (input.is_string()) {
    if (!input.get<std::string>().empty()) {
      messages.push_back({{"role", "user"}, {"content", input}});
    }
  } else if (input.is_array()) {
    read_items(input, messages);
  } else if (!input.is_null()) {
    bad_request("input must be a string or array");
  }

  Json options = Json::object();
  auto number = [&](const char* key) -> const Json* {
    if (!r.contains(key) || r[key].is_null()) return nullptr;
    if (!r[key].is_number()) bad_request(str_cat("invalid type for '", key, "'"));
    return &r[key];
  };
  const Json* temperature = number("temperature");
  options["temperature"] = temperature ? *temperature : Json(1.0);
  if (const Json* top_p = number("top_p")) options["top_p"] = *top_p;
  if (const Json* max = number("max_output_tokens")) options["num_predict"] = *max;

  Json native = {{"model", exchange.model},
                 {"messages", messages},
                 {"stream", exchange.stream},
                 {"options", options}};
  const Json reasoning = r.value("reasoning", Json::object());
  const std::string effort = reasoning.is_object() ? string_field(reasoning, "effort") : "";
  if (!effort.empty()) {
    if (effort == "none") {
      native["think"] = false;
    } else if (effort == "low" || effort == "medium" || effort == "high" || effort == "max") {
      native["think"] = effort;
    } else {
      bad_request(str_cat("invalid reasoning value: \"", effort,
                          "\" (must be \"high\", \"medium\", \"low\", \"max\", or \"none\")"));
    }
  }
  if (r.contains("tools") && r["tools"].is_array() && !r["tools"].empty()) {
    native["tools"] = native_tools(r["tools"]);
  }
  if (r.contains("text") && r["text"].is_object()) {
    const Json format = r["text"].value("format", Json::object());
    if (format.is_object() && string_field(format, "type") == "json_schema" &&
        format.contains("schema")) {
      native["format"] = format["schema"];
    }
  }
  return native;
}

OrderedJson response_object(const Json& native, const ResponsesExchange& x) {
  const Json m = native.value("message", Json::object());
  OrderedJson output = OrderedJson::array();
  const std::string thinking = string_field(m, "thinking");
  if (!thinking.empty()) output.push_back(reasoning_item<OrderedJson>("rs_" + x.id, thinking));
  const Json calls = tool_calls_of(native);
  if (!calls.empty()) {
    for (size_t i = 0; i < calls.size(); ++i) {
      output.push_back(function_call_item<OrderedJson>(str_cat("fc_", x.id, "_", i), calls[i],
                                                       "completed", true));
    }
  } else {
    output.push_back(
        message_item<OrderedJson>(x.message_id, "completed", string_field(m, "content"), true));
  }
  OrderedJson o;
  o["id"] = x.id;
  o["object"] = "response";
  o["created_at"] = x.created_at;
  o["completed_at"] = unix_now();
  o["status"] = "completed";
  o["incomplete_details"] = nullptr;
  o["model"] = x.model;
  o["previous_response_id"] = nullptr;
  OrderedJson settings;
  echo_settings(settings, x.request);
  o["instructions"] = settings["instructions"];
  o["output"] = output;
  o["error"] = nullptr;
  for (const char* key :
       {"tools", "tool_choice", "truncation", "parallel_tool_calls", "text", "top_p",
        "presence_penalty", "frequency_penalty", "top_logprobs", "temperature", "reasoning"}) {
    o[key] = settings[key];
  }
  o["usage"] = usage_of<OrderedJson>(native);
  o["max_output_tokens"] = x.request.value("max_output_tokens", Json());
  o["max_tool_calls"] = nullptr;
  o["store"] = false;
  o["background"] = x.request.contains("background") && x.request["background"] == true;
  o["service_tier"] = "default";
  o["metadata"] = OrderedJson::object();
  o["safety_identifier"] = nullptr;
  o["prompt_cache_key"] = nullptr;
  return o;
}

std::string ResponseEvent::sse() const {
  return str_cat("event: ", type, "\ndata: ", go_json(data), "\n\n");
}

// Events are Go maps in Ollama, so their keys (and the response object's inside them) are
// written sorted: built as sorted JSON, then kept in that order.
ResponseEvent ResponsesStream::event(const std::string& type, OrderedJson data) {
  Json sorted = Json::parse(data.dump());
  sorted["type"] = type;
  sorted["sequence_number"] = sequence_++;
  return {type, OrderedJson::parse(sorted.dump())};
}

OrderedJson ResponsesStream::response(const std::string& status, OrderedJson output,
                                      OrderedJson usage) const {
  Json o;
  o["id"] = x_.id;
  o["object"] = "response";
  o["created_at"] = x_.created_at;
  o["completed_at"] = status == "completed" ? Json(unix_now()) : Json();
  o["status"] = status;
  o["incomplete_details"] = nullptr;
  o["model"] = x_.model;
  o["previous_response_id"] = nullptr;
  o["output"] = Json::parse(output.dump());
  o["error"] = nullptr;
  echo_settings(o, x_.request);
  o["usage"] = Json::parse(usage.dump());
  o["max_output_tokens"] = x_.request.value("max_output_tokens", Json());
  o["max_tool_calls"] = nullptr;
  o["store"] = false;
  o["background"] = x_.request.contains("background") && x_.request["background"] == true;
  o["service_tier"] = "default";
  o["metadata"] = Json::object();
  o["safety_identifier"] = nullptr;
  o["prompt_cache_key"] = nullptr;
  return OrderedJson::parse(o.dump());
}

void ResponsesStream::open(std::vector<ResponseEvent>& out) {
  if (opened_) return;
  opened_ = true;
  for (const char* type : {"response.created", "response.in_progress"}) {
    OrderedJson data;
    data["response"] = response("in_progress", OrderedJson::array(), nullptr);
    out.push_back(event(type, data));
  }
}

void ResponsesStream::finish_reasoning(std::vector<ResponseEvent>& out) {
  if (!reasoning_started_ || reasoning_done_) return;
  reasoning_done_ = true;
  OrderedJson done;
  done["item_id"] = reasoning_id_;
  done["output_index"] = output_index_;
  done["summary_index"] = 0;
  done["text"] = thinking_;
  out.push_back(event("response.reasoning_summary_text.done", done));
  OrderedJson item;
  item["output_index"] = output_index_;
  item["item"] = reasoning_item<OrderedJson>(reasoning_id_, thinking_);
  out.push_back(event("response.output_item.done", item));
  ++output_index_;
}

OrderedJson ResponsesStream::final_output() const {
  OrderedJson output = OrderedJson::array();
  if (reasoning_started_) output.push_back(reasoning_item<OrderedJson>(reasoning_id_, thinking_));
  if (!tool_call_items_.empty()) {
    for (const auto& item : tool_call_items_) output.push_back(item);
  } else if (text_started_) {
    output.push_back(message_item<OrderedJson>(x_.message_id, "completed", text_, true));
  }
  return output;
}

std::vector<ResponseEvent> ResponsesStream::chunk(const Json& native) {
  std::vector<ResponseEvent> out;
  open(out);
  const Json m = native.value("message", Json::object());
  const std::string thinking = string_field(m, "thinking");
  if (!thinking.empty()) {
    if (!reasoning_started_) {
      reasoning_started_ = true;
      reasoning_id_ = random_id("rs_", kIdRange);
      OrderedJson added;
      added["output_index"] = output_index_;
      added["item"]["id"] = reasoning_id_;
      added["item"]["type"] = "reasoning";
      added["item"]["summary"] = OrderedJson::array();
      out.push_back(event("response.output_item.added", added));
    }
    thinking_ += thinking;
    OrderedJson delta;
    delta["item_id"] = reasoning_id_;
    delta["output_index"] = output_index_;
    delta["summary_index"] = 0;
    delta["delta"] = thinking;
    out.push_back(event("response.reasoning_summary_text.delta", delta));
  }
  const Json calls = tool_calls_of(native);
  if (!calls.empty()) {
    finish_reasoning(out);
    for (size_t i = 0; i < calls.size(); ++i) {
      const int index = output_index_ + static_cast<int>(tool_call_items_.size());
      const std::string id = str_cat("fc_", random_id("", kIdRange), "_", i);
      OrderedJson done = function_call_item<OrderedJson>(id, calls[i], "completed", true);
      OrderedJson added = done;
      added["status"] = "in_progress";
      added["arguments"] = "";
      out.push_back(
          event("response.output_item.added", {{"output_index", index}, {"item", added}}));
      const std::string arguments = done["arguments"];
      if (!arguments.empty()) {
        out.push_back(event("response.function_call_arguments.delta",
                            {{"item_id", id}, {"output_index", index}, {"delta", arguments}}));
      }
      out.push_back(event("response.function_call_arguments.done",
                          {{"item_id", id}, {"output_index", index}, {"arguments", arguments}}));
      out.push_back(event("response.output_item.done", {{"output_index", index}, {"item", done}}));
      tool_call_items_.push_back(done);
    }
  }
  const std::string content = string_field(m, "content");
  if (calls.empty() && tool_call_items_.empty() && !content.empty()) {
    finish_reasoning(out);
    if (!text_started_) {
      text_started_ = true;
      OrderedJson added;
      added["output_index"] = output_index_;
      added["item"] = message_item<OrderedJson>(x_.message_id, "in_progress", "", false);
      out.push_back(event("response.output_item.added", added));
      OrderedJson part;
      part["item_id"] = x_.message_id;
      part["output_index"] = output_index_;
      part["content_index"] = 0;
      part["part"] = text_part<OrderedJson>("");
      out.push_back(event("response.content_part.added", part));
    }
    text_ += content;
    OrderedJson delta;
    delta["item_id"] = x_.message_id;
    delta["output_index"] = output_index_;
    delta["content_index"] = 0;
    delta["delta"] = content;
    delta["logprobs"] = OrderedJson::array();
    out.push_back(event("response.output_text.delta", delta));
  }
  if (!native.value("done", false)) return out;

  finish_reasoning(out);
  if (tool_call_items_.empty() && text_started_) {
    OrderedJson common;
    common["item_id"] = x_.message_id;
    common["output_index"] = output_index_;
    common["content_index"] = 0;
    OrderedJson text_done = common;
    text_done["text"] = text_;
    text_done["logprobs"] = OrderedJson::array();
    out.push_back(event("response.output_text.done", text_done));
    OrderedJson part_done = common;
    part_done["part"] = text_part<OrderedJson>(text_);
    out.push_back(event("response.content_part.done", part_done));
    OrderedJson item_done;
    item_done["output_index"] = output_index_;
    item_done["item"] = message_item<OrderedJson>(x_.message_id, "completed", text_, true);
    out.push_back(event("response.output_item.done", item_done));
  }
  OrderedJson completed;
  completed["response"] = response("completed", final_output(), usage_of<OrderedJson>(native));
  out.push_back(event("response.completed", completed));
  return out;
}

std::vector<ResponseEvent> ResponsesStream::failed(const std::string& message) {
  std::vector<ResponseEvent> out;
  open(out);
  OrderedJson r = response("failed", final_output(), nullptr);
  r["error"]["code"] = "server_error";
  r["error"]["message"] = message;
  OrderedJson data;
  data["response"] = r;
  out.push_back(event("response.failed", data));
  return out;
}

}  // namespace slimllm::api::openai
