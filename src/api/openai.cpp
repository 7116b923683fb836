#include "api/openai.h"

#include "api/api_error.h"
#include "api/base64_check.h"
#include "api/openai_common.h"
#include "api/types.h"
#include "base/strings.h"

namespace slimllm::api::openai {
namespace {

// A field read as a JSON value of one type: `fallback` when absent or null, 400 naming the field
// when of another type (Go's decoder refuses it too; nlohmann's value() would throw type_error).
std::string string_or(const Json& j, const char* key, const char* fallback, const char* where) {
  if (!j.is_object()) bad_request("invalid message format");
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) bad_request(str_cat("invalid type for '", where, "'"));
  return it->get<std::string>();
}
bool bool_or(const Json& j, const char* key, bool fallback, const char* where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) bad_request(str_cat("invalid type for '", where, "'"));
  return it->get<bool>();
}
Json object_or_empty(const Json& j, const char* key, const char* where) {
  if (!j.is_object()) bad_request(str_cat("invalid type for '", where, "'"));
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Json::object();
  if (!it->is_object()) bad_request(str_cat("invalid type for '", where, ".", key, "'"));
  return *it;
}

// Ollama's ids here: a prefix and a random number below 999.
constexpr int kIdRange = 999;

// A base64 data URI's payload; http(s) URLs and other types are refused as Ollama does.
std::string image_from_url(const std::string& url) {
  static const char* kPrefixes[] = {"data:image/jpeg;base64,", "data:image/jpg;base64,",
                                    "data:image/png;base64,", "data:image/webp;base64,",
                                    "data:;base64,"};
  for (const char* prefix : kPrefixes) {
    const std::string p(prefix);
    if (url.rfind(p, 0) != 0) continue;
    // Ollama decodes the payload here and answers a bad one with its generic message.
    if (base64_error_offset(std::string_view(url).substr(p.size()))) {
      bad_request("invalid message format");
    }
    return url.substr(p.size());
  }
  bad_request("invalid image input");
}

Json native_message(const Json& m) {
  if (!m.is_object()) bad_request("invalid message format");
  Json out = Json::object();
  out["role"] = string_or(m, "role", "", "role");
  std::string content;
  Json images = Json::array();
  const Json& c = m.contains("content") ? m["content"] : Json();
  if (c.is_string()) {
    content = c.get<std::string>();
  } else if (c.is_array()) {
    for (const Json& part : c) {
      if (!part.is_object()) bad_request("invalid message format");
      const std::string type = string_or(part, "type", "", "content.type");
      if (type == "text") {
        if (!part.contains("text") || !part["text"].is_string()) {
          bad_request("invalid message format");
        }
        content += part["text"].get<std::string>();
      } else if (type == "image_url") {
        const Json& u = part.contains("image_url") ? part["image_url"] : Json();
        std::string url;
        if (u.is_string()) {
          url = u.get<std::string>();
        } else if (u.is_object() && u.contains("url") && u["url"].is_string()) {
          url = u["url"].get<std::string>();
        } else {
          bad_request("invalid message format");
        }
        images.push_back(image_from_url(url));
      } else {
        bad_request("invalid message type");
      }
    }
  } else if (!c.is_null()) {
    bad_request(str_cat("invalid message content type: ", c.type_name()));
  }
  out["content"] = content;
  if (!images.empty()) out["images"] = images;
  if (m.contains("reasoning") && m["reasoning"].is_string()) out["thinking"] = m["reasoning"];
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
    Json calls = Json::array();
    for (const Json& call : m["tool_calls"]) {
      const Json f = object_or_empty(call, "function", "tool_calls");
      Json arguments = Json::object();
      if (f.contains("arguments") && f["arguments"].is_string()) {
        const std::string& text = f["arguments"].get_ref<const std::string&>();
        api::check_json_depth(text, "tool call arguments");
        arguments = Json::parse(text, nullptr, false);
        if (arguments.is_discarded()) bad_request("invalid tool call arguments");
      } else if (f.contains("arguments")) {
        arguments = f["arguments"];
      }
      calls.push_back({{"function",
                        {{"name", string_or(f, "name", "", "tool_calls.function.name")},
                         {"arguments", arguments}}}});
    }
    out["tool_calls"] = calls;
  }
  if (m.contains("tool_call_id") && m["tool_call_id"].is_string()) {
    out["tool_call_id"] = m["tool_call_id"];
  }
  if (m.contains("name") && m["name"].is_string()) out["tool_name"] = m["name"];
  return out;
}

// Tool results without a name take it from the assistant call they answer.
void name_tool_results(Json& messages, const Json& originals) {
  for (size_t i = 0; i < messages.size(); ++i) {
    Json& m = messages[i];
    if (m["role"] != "tool" || m.contains("tool_name") || !m.contains("tool_call_id")) continue;
    for (size_t j = 0; j < i; ++j) {
      const Json& o = originals[j];
      if (!o.contains("tool_calls") || !o["tool_calls"].is_array()) continue;
      for (const Json& call : o["tool_calls"]) {
        if (!call.is_object() || !call.contains("id") || call["id"] != m["tool_call_id"]) continue;
        m["tool_name"] = string_or(object_or_empty(call, "function", "tool_calls"), "name", "",
                                   "tool_calls.function.name");
      }
    }
  }
}

// The sampling fields both endpoints share, with OpenAI's defaults (temperature and top_p 1.0
// when absent, overriding the model's parameters).
Json sampling_options(const Json& r) {
  Json options = Json::object();
  auto number = [&](const char* key) -> const Json* {
    if (!r.contains(key) || r[key].is_null()) return nullptr;
    if (!r[key].is_number()) bad_request(str_cat("invalid type for '", key, "'"));
    return &r[key];
  };
  if (const Json* v = number("max_tokens")) options["num_predict"] = *v;
  if (const Json* v = number("seed")) options["seed"] = *v;
  const Json* t = number("temperature");
  options["temperature"] = t ? *t : Json(1.0);
  const Json* p = number("top_p");
  options["top_p"] = (p && p->get<double>() != 0.0) ? *p : Json(1.0);
  if (const Json* v = number("frequency_penalty")) options["frequency_penalty"] = *v;
  if (const Json* v = number("presence_penalty")) options["presence_penalty"] = *v;
  if (r.contains("stop") && !r["stop"].is_null()) {
    if (r["stop"].is_string()) {
      options["stop"] = Json::array({r["stop"]});
    } else if (r["stop"].is_array()) {
      options["stop"] = r["stop"];
    } else {
      bad_request("invalid type for 'stop' field");
    }
  }
  return options;
}

void start_exchange(const Json& r, Exchange& exchange, const char* prefix) {
  if (!r.is_object()) bad_request("invalid request body");
  if (!r.contains("model") || !r["model"].is_string() || r["model"].get<std::string>().empty()) {
    bad_request("model is required");
  }
  exchange.id = random_id(prefix, kIdRange);
  exchange.model = r["model"].get<std::string>();
  exchange.created = unix_now();
  exchange.stream = bool_or(r, "stream", false, "stream");
  const Json so = object_or_empty(r, "stream_options", "request");
  exchange.include_usage = bool_or(so, "include_usage", false, "stream_options.include_usage");
}

OrderedJson usage_of(const Json& native) {
  const int64_t prompt = native.value("prompt_eval_count", int64_t{0});
  const int64_t completion = native.value("eval_count", int64_t{0});
  OrderedJson u;
  u["prompt_tokens"] = prompt;
  u["completion_tokens"] = completion;
  u["total_tokens"] = prompt + completion;
  return u;
}

Json finish_reason(const Json& native, bool tool_calls) {
  if (tool_calls) return "tool_calls";
  const std::string reason = native.value("done_reason", "");
  if (reason.empty()) return nullptr;
  return reason;
}

OrderedJson tool_calls_of(const Json& calls) {
  OrderedJson out = OrderedJson::array();
  int index = 0;
  for (const Json& call : calls) {
    const Json f = call.value("function", Json::object());
    OrderedJson c;
    c["id"] = call.contains("id") && call["id"].is_string() ? call["id"].get<std::string>()
                                                            : random_id("call_", kIdRange);
    c["index"] =
        f.contains("index") && f["index"].is_number_integer() ? f["index"].get<int>() : index;
    ++index;
    c["type"] = "function";
    c["function"]["name"] = f.value("name", "");
    c["function"]["arguments"] = f.value("arguments", Json::object()).dump();
    out.push_back(c);
  }
  return out;
}

OrderedJson envelope(const Exchange& exchange, const char* object) {
  OrderedJson o;
  o["id"] = exchange.id;
  o["object"] = object;
  o["created"] = exchange.created;
  o["model"] = exchange.model;
  o["system_fingerprint"] = "fp_ollama";
  return o;
}

OrderedJson assistant_message(const Json& native, bool with_role) {
  const Json m = native.value("message", Json::object());
  OrderedJson out;
  if (with_role) out["role"] = "assistant";
  out["content"] = m.value("content", "");
  if (!m.value("thinking", "").empty()) out["reasoning"] = m["thinking"];
  if (m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty()) {
    out["tool_calls"] = tool_calls_of(m["tool_calls"]);
  }
  return out;
}

bool has_tool_calls(const Json& native) {
  const Json m = native.value("message", Json::object());
  return m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty();
}

// Chat's logprobs: {"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}
// from the native array (the same entries, top_logprobs always present).
Json chat_logprobs(const Json& native) {
  OrderedJson content = OrderedJson::array();
  if (native.contains("logprobs") && native["logprobs"].is_array()) {
    for (const Json& lp : native["logprobs"]) {
      OrderedJson entry;
      entry["token"] = lp.value("token", "");
      entry["logprob"] = lp.value("logprob", 0.0);
      entry["bytes"] = lp.value("bytes", Json::array());
      OrderedJson top = OrderedJson::array();
      for (const Json& alt : lp.value("top_logprobs", Json::array())) {
        OrderedJson a;
        a["token"] = alt.value("token", "");
        a["logprob"] = alt.value("logprob", 0.0);
        a["bytes"] = alt.value("bytes", Json::array());
        top.push_back(a);
      }
      entry["top_logprobs"] = top;
      content.push_back(entry);
    }
  }
  OrderedJson out;
  out["content"] = content;
  return Json::parse(out.dump());
}

// The legacy completions logprobs: parallel lists, and each token's alternatives as a map.
OrderedJson completion_logprobs(const Json& native, size_t text_offset) {
  OrderedJson out;
  OrderedJson tokens = OrderedJson::array(), values = OrderedJson::array(),
              tops = OrderedJson::array(), offsets = OrderedJson::array();
  if (native.contains("logprobs") && native["logprobs"].is_array()) {
    for (const Json& lp : native["logprobs"]) {
      const std::string token = lp.value("token", "");
      tokens.push_back(token);
      values.push_back(lp.value("logprob", 0.0));
      OrderedJson top = OrderedJson::object();
      for (const Json& alt : lp.value("top_logprobs", Json::array())) {
        top[alt.value("token", "")] = alt.value("logprob", 0.0);
      }
      tops.push_back(top);
      offsets.push_back(text_offset);
      text_offset += token.size();
    }
  }
  out["tokens"] = tokens;
  out["token_logprobs"] = values;
  out["top_logprobs"] = tops;
  out["text_offset"] = offsets;
  return out;
}

// OpenAI's tool_choice, checked here so a bad one is the middleware's 400.
Json native_tool_choice(const Json& r) {
  if (!r.contains("tool_choice") || r["tool_choice"].is_null()) return nullptr;
  const Json& c = r["tool_choice"];
  if (c.is_string()) {
    const std::string s = c.get<std::string>();
    if (s == "none" || s == "auto" || s == "required") return c;
  } else if (c.is_object() && c.contains("type") && c["type"] == "function" &&
             c.contains("function") && c["function"].is_object() &&
             c["function"].contains("name") && c["function"]["name"].is_string()) {
    return {{"type", "function"}, {"function", {{"name", c["function"]["name"]}}}};
  }
  bad_request(str_cat("invalid tool_choice: ", c.dump()));
}

}  // namespace

OrderedJson error_body(int status, const std::string& message, const std::string& type) {
  std::string t = type;
  if (t.empty()) {
    t = status == 400 ? "invalid_request_error" : status == 404 ? "not_found_error" : "api_error";
  }
  OrderedJson e;
  e["error"]["message"] = message;
  e["error"]["type"] = t;
  e["error"]["param"] = nullptr;
  e["error"]["code"] = nullptr;
  return e;
}

Json chat_request(const Json& r, Exchange& exchange) {
  start_exchange(r, exchange, "chatcmpl-");
  if (!r.contains("messages") || !r["messages"].is_array() || r["messages"].empty()) {
    bad_request("[] is too short - 'messages'");
  }
  Json messages = Json::array();
  for (const Json& m : r["messages"]) messages.push_back(native_message(m));
  name_tool_results(messages, r["messages"]);
  Json native = {{"model", exchange.model},
                 {"messages", messages},
                 {"stream", exchange.stream},
                 {"options", sampling_options(r)}};
  // OpenAI's current name for max_tokens (which it deprecates for chat); a client migrating may
  // send both, and the current name is the one it means.
  if (r.contains("max_completion_tokens") && !r["max_completion_tokens"].is_null()) {
    if (!r["max_completion_tokens"].is_number()) {
      bad_request("invalid type for 'max_completion_tokens'");
    }
    native["options"]["num_predict"] = r["max_completion_tokens"];
  }
  if (r.contains("response_format") && r["response_format"].is_object()) {
    const Json& f = r["response_format"];
    const std::string type = string_or(f, "type", "", "response_format.type");
    if (type == "json_object") {
      native["format"] = "json";
    } else if (type == "json_schema") {
      const Json s = f.contains("json_schema") ? f["json_schema"] : Json::object();
      if (!s.is_object() || !s.contains("schema") || !s["schema"].is_object()) {
        bad_request("response_format json_schema needs a 'json_schema.schema' object");
      }
      native["format"] = s["schema"];
    } else if (type != "text") {
      bad_request(str_cat("invalid response_format type: '", type,
                          "' (must be \"text\", \"json_object\" or \"json_schema\")"));
    }
  }
  if (r.contains("tools") && r["tools"].is_array()) native["tools"] = r["tools"];
  const Json tool_choice = native_tool_choice(r);
  if (!tool_choice.is_null()) native["tool_choice"] = tool_choice;
  if (r.contains("logprobs") && !r["logprobs"].is_null()) {
    if (!r["logprobs"].is_boolean()) bad_request("invalid type for 'logprobs'");
    exchange.logprobs = r["logprobs"].get<bool>();
  }
  if (r.contains("top_logprobs") && !r["top_logprobs"].is_null()) {
    if (!r["top_logprobs"].is_number_integer()) bad_request("invalid type for 'top_logprobs'");
    const int top = r["top_logprobs"].get<int>();
    if (top < 0 || top > 20) bad_request("top_logprobs must be between 0 and 20");
    if (top > 0 && !exchange.logprobs) bad_request("top_logprobs requires logprobs to be true");
    native["top_logprobs"] = top;
  }
  if (exchange.logprobs) native["logprobs"] = true;
  std::string effort;
  if (r.contains("reasoning_effort") && r["reasoning_effort"].is_string()) {
    effort = r["reasoning_effort"].get<std::string>();
  } else if (r.contains("reasoning") && r["reasoning"].is_object()) {
    effort = string_or(r["reasoning"], "effort", "", "reasoning.effort");
  }
  if (!effort.empty()) {
    if (effort != "high" && effort != "medium" && effort != "low" && effort != "none") {
      bad_request(str_cat("invalid reasoning value: '", effort,
                          "' (must be \"high\", \"medium\", \"low\", or \"none\")"));
    }
    native["think"] = effort == "none" ? Json(false) : Json(effort);
  }
  return native;
}

Json completion_request(const Json& r, Exchange& exchange) {
  start_exchange(r, exchange, "cmpl-");
  if (r.contains("prompt") && !r["prompt"].is_string() && !r["prompt"].is_null()) {
    bad_request("invalid type for 'prompt' field: only a string is supported");
  }
  Json native = {{"model", exchange.model},
                 {"prompt", string_or(r, "prompt", "", "prompt")},
                 {"stream", exchange.stream},
                 {"options", sampling_options(r)}};
  if (r.contains("suffix") && r["suffix"].is_string()) native["suffix"] = r["suffix"];
  if (r.contains("logprobs") && !r["logprobs"].is_null()) {
    if (!r["logprobs"].is_number_integer()) bad_request("invalid type for 'logprobs'");
    const int n = r["logprobs"].get<int>();
    if (n < 0 || n > 20) bad_request("logprobs must be between 0 and 20");
    if (n > 0) {
      exchange.logprobs = true;
      native["logprobs"] = true;
      native["top_logprobs"] = n;
    }
  }
  if (bool_or(r, "echo", false, "echo")) {
    if (exchange.logprobs) {
      bad_request("echo with logprobs is not supported: the prompt's tokens have no logprobs");
    }
    exchange.echo = string_or(r, "prompt", "", "prompt");
  }
  return native;
}

OrderedJson chat_response(const Json& native, const Exchange& exchange) {
  OrderedJson o = envelope(exchange, "chat.completion");
  OrderedJson choice;
  choice["index"] = 0;
  choice["message"] = assistant_message(native, true);
  choice["finish_reason"] = finish_reason(native, has_tool_calls(native));
  if (exchange.logprobs) choice["logprobs"] = chat_logprobs(native);
  o["choices"] = OrderedJson::array({choice});
  o["usage"] = usage_of(native);
  return o;
}

OrderedJson chat_chunk(const Json& native, const Exchange& exchange, bool& sent_tool_calls) {
  OrderedJson o = envelope(exchange, "chat.completion.chunk");
  OrderedJson choice;
  choice["index"] = 0;
  choice["delta"] = assistant_message(native, true);
  if (has_tool_calls(native)) sent_tool_calls = true;
  choice["finish_reason"] =
      native.value("done", false) ? finish_reason(native, sent_tool_calls) : Json();
  if (exchange.logprobs && native.contains("logprobs")) choice["logprobs"] = chat_logprobs(native);
  o["choices"] = OrderedJson::array({choice});
  return o;
}

OrderedJson completion_response(const Json& native, const Exchange& exchange) {
  OrderedJson o = envelope(exchange, "text_completion");
  OrderedJson choice;
  choice["text"] = exchange.echo + native.value("response", "");
  choice["index"] = 0;
  if (exchange.logprobs) choice["logprobs"] = completion_logprobs(native, 0);
  choice["finish_reason"] = finish_reason(native, false);
  o["choices"] = OrderedJson::array({choice});
  o["usage"] = usage_of(native);
  return o;
}

OrderedJson completion_chunk(const Json& native, Exchange& exchange) {
  OrderedJson o = envelope(exchange, "text_completion");
  OrderedJson choice;
  choice["text"] = (exchange.echoed ? std::string() : exchange.echo) + native.value("response", "");
  exchange.echoed = true;
  choice["index"] = 0;
  if (exchange.logprobs && native.contains("logprobs")) {
    choice["logprobs"] = completion_logprobs(native, 0);
  }
  choice["finish_reason"] = native.value("done", false) ? finish_reason(native, false) : Json();
  o["choices"] = OrderedJson::array({choice});
  return o;
}

OrderedJson usage_chunk(const Json& native_final, const Exchange& exchange, const char* object) {
  OrderedJson o = envelope(exchange, object);
  o["choices"] = OrderedJson::array();
  o["usage"] = usage_of(native_final);
  return o;
}

OrderedJson model_entry(const std::string& id, int64_t created, const std::string& owned_by) {
  OrderedJson o;
  o["id"] = id;
  o["object"] = "model";
  o["created"] = created;
  o["owned_by"] = owned_by;
  return o;
}

}  // namespace slimllm::api::openai
