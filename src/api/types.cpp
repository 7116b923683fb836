#include "api/types.h"

#include "api/api_error.h"
#include "api/base64_check.h"
#include "api/duration.h"
#include "api/go_decode.h"
#include "api/options.h"
#include "base/json_depth.h"
#include "base/strings.h"

namespace slimllm::api {
namespace {

void read(const Json& j, const char* owner, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_string()) type_error(*it, owner, key, "string");
  out = it->get<std::string>();
}
void read(const Json& j, const char* owner, const char* key, std::optional<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_string()) type_error(*it, owner, key, "string");
  out = it->get<std::string>();
}
void read(const Json& j, const char* owner, const char* key, bool& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_boolean()) type_error(*it, owner, key, "bool");
  out = it->get<bool>();
}
void read(const Json& j, const char* owner, const char* key, std::optional<bool>& out) {
  bool v = false;
  if (j.contains(key) && !j[key].is_null()) {
    read(j, owner, key, v);
    out = v;
  }
}
void read(const Json& j, const char* owner, const char* key, int& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_number_integer()) type_error(*it, owner, key, "int");
  out = it->get<int>();
}
void read(const Json& j, const char* owner, const char* key, std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_array()) type_error(*it, owner, key, "[]string");
  for (const auto& v : *it) {
    if (!v.is_string()) type_error(v, owner, key, "string");
    out.push_back(v.get<std::string>());
  }
}
void read(const Json& j, const char* owner, const char* key, std::vector<int32_t>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_array()) type_error(*it, owner, key, "[]int");
  for (const auto& v : *it) {
    if (!v.is_number_integer()) type_error(v, owner, key, "int");
    out.push_back(v.get<int32_t>());
  }
}
void read(const Json& j, const char* owner, const char* key,
          std::map<std::string, std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_object()) type_error(*it, owner, key, "map[string]string");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) type_error(v, owner, key, "string");
    out[k] = v.get<std::string>();
  }
}
// Ollama's images are Go []byte: JSON strings of standard base64, refused with Go's decoding
// error when they do not decode.
void read_images(const Json& j, const char* owner, std::vector<std::string>& out) {
  read(j, owner, "images", out);
  for (const std::string& image : out) check_base64(image);
}
void read_keep_alive(const Json& j, std::optional<int64_t>& out) {
  auto it = j.find("keep_alive");
  if (it == j.end() || it->is_null()) return;
  try {
    out = parse_keep_alive(*it);
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    fail_status(400, e.what());
  }
}
Json read_raw(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? Json() : *it;
}
OrderedJson to_ordered(const Json& j) {
  return OrderedJson::parse(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace

void check_json_depth(std::string_view text, std::string_view what) {
  size_t at = 0;
  if (json_nests_deeper_than(text, kMaxJsonDepth, &at)) {
    fail_status(400, str_cat("invalid ", what, ": JSON nested deeper than ", kMaxJsonDepth,
                             " levels (the server's limit) at byte ", at));
  }
}

Json parse_body(const std::string& body) {
  if (str_trim(body).empty()) fail_status(400, "missing request body");
  check_json_depth(body, "request body");
  try {
    return Json::parse(body);
  } catch (const Json::parse_error& e) {
    size_t pos = e.byte > 0 ? e.byte - 1 : 0;
    if (pos >= body.size()) fail_status(400, "unexpected EOF");
    fail_status(400, str_cat("invalid character '", body[pos], "' looking for beginning of value"));
  } catch (const Json::out_of_range&) {
    // A number past double's range ("1e999"): Go's decoder refuses it when it decodes the field.
    fail_status(400, "json: a number in the request body is out of range");
  }
}

Message Message::from_json(const Json& j) {
  check_object(j, "Message");
  Message m;
  read(j, "Message", "role", m.role);
  m.role = str_lower(m.role);
  read(j, "Message", "content", m.content);
  read(j, "Message", "thinking", m.thinking);
  read_images(j, "Message", m.images);
  m.tool_calls = to_ordered(read_raw(j, "tool_calls"));
  read(j, "Message", "tool_name", m.tool_name);
  read(j, "Message", "tool_call_id", m.tool_call_id);
  return m;
}

OrderedJson Message::to_json() const {
  OrderedJson j;
  j["role"] = role;
  j["content"] = content;
  if (!thinking.empty()) j["thinking"] = thinking;
  if (!images.empty()) j["images"] = images;
  if (tool_calls.is_array() && !tool_calls.empty()) j["tool_calls"] = tool_calls;
  if (!tool_name.empty()) j["tool_name"] = tool_name;
  if (!tool_call_id.empty()) j["tool_call_id"] = tool_call_id;
  return j;
}

void Metrics::append_to(OrderedJson& j) const {
  if (total_duration) j["total_duration"] = total_duration;
  if (load_duration) j["load_duration"] = load_duration;
  if (prompt_eval_count) j["prompt_eval_count"] = prompt_eval_count;
  if (prompt_eval_duration) j["prompt_eval_duration"] = prompt_eval_duration;
  if (eval_count) j["eval_count"] = eval_count;
  if (eval_duration) j["eval_duration"] = eval_duration;
}

namespace {

// The shared fields of a generate or chat request (`o` names the Go type in errors).
void read_inference(const Json& j, const char* o, InferenceRequest& r) {
  read(j, o, "model", r.model);
  r.format = read_raw(j, "format");
  r.options = validate_options(read_raw(j, "options"));
  read(j, o, "stream", r.stream);
  read_keep_alive(j, r.keep_alive);
  r.think = read_raw(j, "think");
  read(j, o, "truncate", r.truncate);
  read(j, o, "shift", r.shift);
  read(j, o, "logprobs", r.logprobs);
  read(j, o, "top_logprobs", r.top_logprobs);
  read(j, o, "_debug_render_only", r.debug_render_only);
}

}  // namespace

GenerateRequest GenerateRequest::from_json(const Json& j) {
  const char* o = "GenerateRequest";
  check_object(j, o);
  GenerateRequest r;
  read_inference(j, o, r);
  read(j, o, "prompt", r.prompt);
  read(j, o, "suffix", r.suffix);
  read(j, o, "system", r.system);
  read(j, o, "template", r.template_text);
  read(j, o, "context", r.context);
  read(j, o, "raw", r.raw);
  read_images(j, o, r.images);
  return r;
}

OrderedJson GenerateResponse::to_json() const {
  OrderedJson j;
  j["model"] = model;
  j["created_at"] = created_at;
  j["response"] = response;
  if (!thinking.empty()) j["thinking"] = thinking;
  j["done"] = done;
  if (!done_reason.empty()) j["done_reason"] = done_reason;
  if (!context.empty()) j["context"] = context;
  metrics.append_to(j);
  if (logprobs.is_array() && !logprobs.empty()) j["logprobs"] = logprobs;
  return j;
}

ChatRequest ChatRequest::from_json(const Json& j) {
  const char* o = "ChatRequest";
  check_object(j, o);
  ChatRequest r;
  read_inference(j, o, r);
  if (j.contains("messages") && !j["messages"].is_null()) {
    if (!j["messages"].is_array()) type_error(j["messages"], o, "messages", "[]api.Message");
    for (const auto& m : j["messages"]) r.messages.push_back(Message::from_json(m));
  }
  r.tools = read_raw(j, "tools");
  r.tool_choice = read_raw(j, "tool_choice");
  return r;
}

OrderedJson ChatResponse::to_json() const {
  OrderedJson j;
  j["model"] = model;
  j["created_at"] = created_at;
  j["message"] = message.to_json();
  if (!done_reason.empty()) j["done_reason"] = done_reason;
  j["done"] = done;
  metrics.append_to(j);
  if (logprobs.is_array() && !logprobs.empty()) j["logprobs"] = logprobs;
  return j;
}

ModelRequest ModelRequest::from_json(const Json& j) {
  const char* o = "ShowRequest";
  check_object(j, o);
  ModelRequest r;
  read(j, o, "model", r.model);
  if (r.model.empty()) read(j, o, "name", r.model);
  read(j, o, "verbose", r.verbose);
  read(j, o, "insecure", r.insecure);
  read(j, o, "stream", r.stream);
  read(j, o, "system", r.system);
  r.options = read_raw(j, "options");
  return r;
}

CopyRequest CopyRequest::from_json(const Json& j) {
  check_object(j, "CopyRequest");
  CopyRequest r;
  read(j, "CopyRequest", "source", r.source);
  read(j, "CopyRequest", "destination", r.destination);
  return r;
}

CreateRequest CreateRequest::from_json(const Json& j) {
  const char* o = "CreateRequest";
  check_object(j, o);
  CreateRequest r;
  read(j, o, "model", r.model);
  if (r.model.empty()) read(j, o, "name", r.model);
  read(j, o, "from", r.from);
  read(j, o, "files", r.files);
  read(j, o, "adapters", r.adapters);
  read(j, o, "template", r.template_text);
  read(j, o, "system", r.system);
  if (j.contains("license") && j["license"].is_string()) {
    r.license.push_back(j["license"].get<std::string>());
  } else {
    read(j, o, "license", r.license);
  }
  if (j.contains("parameters") && !j["parameters"].is_null()) {
    if (!j["parameters"].is_object())
      type_error(j["parameters"], o, "parameters", "map[string]interface {}");
    r.parameters = validate_options(j["parameters"]);
  }
  if (j.contains("messages") && !j["messages"].is_null()) {
    if (!j["messages"].is_array()) type_error(j["messages"], o, "messages", "[]api.Message");
    Json messages = Json::array();
    for (const auto& m : j["messages"]) {
      Message msg = Message::from_json(m);
      messages.push_back({{"role", msg.role}, {"content", msg.content}});
    }
    r.messages = messages;
  }
  read(j, o, "quantize", r.quantize);
  read(j, o, "stream", r.stream);
  return r;
}

OrderedJson CreateRequest::to_json() const {
  OrderedJson j;
  j["model"] = model;
  if (!from.empty()) j["from"] = from;
  if (!files.empty()) j["files"] = files;
  if (!adapters.empty()) j["adapters"] = adapters;
  if (template_text) j["template"] = *template_text;
  if (system) j["system"] = *system;
  if (!license.empty()) j["license"] = license;
  if (parameters.is_object() && !parameters.empty()) j["parameters"] = to_ordered(parameters);
  if (messages) j["messages"] = to_ordered(*messages);
  if (!quantize.empty()) j["quantize"] = quantize;
  j["stream"] = stream;
  return j;
}

OrderedJson ModelDetails::to_json() const {
  OrderedJson j;
  j["parent_model"] = parent_model;
  j["format"] = format;
  j["family"] = family;
  j["families"] = families.empty() ? OrderedJson() : OrderedJson(families);
  j["parameter_size"] = parameter_size;
  j["quantization_level"] = quantization_level;
  return j;
}

ModelDetails ModelDetails::from_json(const Json& j) {
  ModelDetails d;
  if (!j.is_object()) return d;
  d.parent_model = j.value("parent_model", "");
  d.format = j.value("format", "");
  d.family = j.value("family", "");
  if (j.contains("families") && j["families"].is_array()) {
    for (const auto& f : j["families"]) d.families.push_back(f.get<std::string>());
  }
  d.parameter_size = j.value("parameter_size", "");
  d.quantization_level = j.value("quantization_level", "");
  return d;
}

OrderedJson ListModel::to_json() const {
  OrderedJson j;
  j["name"] = name;
  j["model"] = model;
  j["modified_at"] = modified_at;
  j["size"] = size;
  j["digest"] = digest;
  j["details"] = details.to_json();
  return j;
}

ListModel ListModel::from_json(const Json& j) {
  ListModel m;
  m.name = j.value("name", "");
  m.model = j.value("model", "");
  m.modified_at = j.value("modified_at", "");
  m.size = j.value("size", uint64_t{0});
  m.digest = j.value("digest", "");
  if (j.contains("details")) m.details = ModelDetails::from_json(j["details"]);
  return m;
}

OrderedJson RunningModel::to_json() const {
  OrderedJson j;
  j["name"] = name;
  j["model"] = model;
  j["size"] = size;
  j["digest"] = digest;
  j["details"] = details.to_json();
  j["expires_at"] = expires_at;
  j["size_vram"] = size_vram;
  j["context_length"] = context_length;
  return j;
}

RunningModel RunningModel::from_json(const Json& j) {
  RunningModel m;
  m.name = j.value("name", "");
  m.model = j.value("model", "");
  m.size = j.value("size", uint64_t{0});
  m.digest = j.value("digest", "");
  if (j.contains("details")) m.details = ModelDetails::from_json(j["details"]);
  m.expires_at = j.value("expires_at", "");
  m.size_vram = j.value("size_vram", uint64_t{0});
  m.context_length = j.value("context_length", int64_t{0});
  return m;
}

OrderedJson ShowResponse::to_json() const {
  OrderedJson j;
  if (!license.empty()) j["license"] = license;
  if (!modelfile.empty()) j["modelfile"] = modelfile;
  if (!parameters.empty()) j["parameters"] = parameters;
  if (!template_text.empty()) j["template"] = template_text;
  if (!system.empty()) j["system"] = system;
  j["details"] = details.to_json();
  if (messages.is_array() && !messages.empty()) j["messages"] = to_ordered(messages);
  if (model_info.is_object()) j["model_info"] = to_ordered(model_info);
  if (tensors.is_array() && !tensors.empty()) j["tensors"] = to_ordered(tensors);
  if (!capabilities.empty()) j["capabilities"] = capabilities;
  if (!modified_at.empty()) j["modified_at"] = modified_at;
  return j;
}

OrderedJson ProgressResponse::to_json() const {
  OrderedJson j;
  j["status"] = status;
  if (!digest.empty()) j["digest"] = digest;
  if (total) j["total"] = total;
  if (completed) j["completed"] = completed;
  return j;
}

OrderedJson error_json(const std::string& message) {
  OrderedJson j;
  j["error"] = message;
  return j;
}

}  // namespace slimllm::api
