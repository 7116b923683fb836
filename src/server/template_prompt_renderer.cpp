#include "server/template_prompt_renderer.h"

#include "base/error.h"
#include "gguf/reader.h"
#include "template/builtin_templates.h"
#include "template/prompt.h"

namespace slimllm {
namespace {

constexpr size_t kMaxCachedTemplates = 64;

ChatMessage to_chat_message(const api::Message& m) {
  ChatMessage out;
  out.role = m.role;
  out.content = m.content;
  out.thinking = m.thinking;
  out.images = m.images.size();
  out.tool_name = m.tool_name;
  out.tool_call_id = m.tool_call_id;
  if (m.tool_calls.is_array()) {
    int index = 0;
    for (const auto& call : m.tool_calls) {
      ChatToolCall c;
      c.index = index++;
      const nlohmann::ordered_json& function = call.contains("function") ? call["function"] : call;
      if (call.contains("id") && call["id"].is_string()) c.id = call["id"].get<std::string>();
      if (function.contains("name") && function["name"].is_string())
        c.name = function["name"].get<std::string>();
      if (function.contains("index") && function["index"].is_number_integer())
        c.index = function["index"].get<int>();
      if (function.contains("arguments")) c.arguments = function["arguments"];
      out.tool_calls.push_back(std::move(c));
    }
  }
  return out;
}

ThinkSetting think_setting(const nlohmann::json& think) {
  ThinkSetting setting;
  if (think.is_boolean()) setting.think = think.get<bool>();
  if (think.is_string()) {
    setting.think = true;
    setting.level = think.get<std::string>();
  }
  return setting;
}

}  // namespace

Template TemplatePromptRenderer::parsed(const std::string& text) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(text);
  if (it != cache_.end()) return it->second;
  Template tmpl = Template::parse(text);
  if (cache_.size() >= kMaxCachedTemplates) cache_.clear();
  cache_.emplace(text, tmpl);
  return tmpl;
}

std::string TemplatePromptRenderer::render(const PromptRequest& request) {
  const std::string text = request.template_text.empty() ? "{{ .Prompt }}" : request.template_text;
  Template tmpl = parsed(text);
  ThinkSetting think = think_setting(request.think);
  switch (request.kind) {
    case PromptRequest::Kind::kMessages: {
      std::vector<ChatMessage> messages;
      messages.reserve(request.messages.size());
      for (const api::Message& m : request.messages) messages.push_back(to_chat_message(m));
      ChatPromptOptions options;
      if (request.tools.is_array()) options.tools = request.tools;
      options.think = think;
      if (request.num_ctx > 0 && request.count_tokens) {
        options.num_ctx = request.num_ctx;
        options.count_tokens = request.count_tokens;
      }
      return build_chat_prompt(tmpl, std::move(messages), options).prompt;
    }
    case PromptRequest::Kind::kLegacy:
      return build_generate_prompt(tmpl, request.prompt, request.system, "", 0, think);
    case PromptRequest::Kind::kFim:
      return build_generate_prompt(tmpl, request.prompt, request.system, request.suffix, 0, think);
  }
  fail("unknown prompt kind");
}

TemplateDetector builtin_template_detector() {
  return [](const GgufFile& file) -> std::optional<DetectedTemplate> {
    std::string chat_template = file.get_string("tokenizer.chat_template");
    if (chat_template.empty()) return std::nullopt;
    const BuiltinTemplate* match = match_builtin_template(chat_template);
    if (match == nullptr) return std::nullopt;
    nlohmann::json params = nullptr;
    if (match->params.is_object() && !match->params.empty()) params = match->params;
    return DetectedTemplate{match->name, match->text, params};
  };
}

}  // namespace slimllm
