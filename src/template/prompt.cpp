#include "template/prompt.h"

#include "base/error.h"
#include "template/tool_values.h"

namespace slimllm {

namespace {

void add_think(Value::Entries& entries, const ThinkSetting& think) {
  entries.emplace_back("Think", Value::boolean(think.think.value_or(false)));
  entries.emplace_back("ThinkLevel", Value::string(think.level));
  entries.emplace_back("IsThinkSet", Value::boolean(think.think.has_value()));
}

Value message_value(const ChatMessage& m) {
  Value::List calls;
  for (const ChatToolCall& c : m.tool_calls) {
    Value function = Value::map({{"Index", Value::integer(c.index)},
                                 {"Name", Value::string(c.name)},
                                 {"Arguments", tool_arguments_value(c.arguments)}});
    calls.push_back(Value::map({{"ID", Value::string(c.id)}, {"Function", function}}));
  }
  Value::List images(m.images, Value::string(""));
  return Value::map({{"Role", Value::string(m.role)},
                     {"Content", Value::string(m.content)},
                     {"Thinking", Value::string(m.thinking)},
                     {"Images", Value::list(std::move(images))},
                     {"ToolCalls", Value::list(std::move(calls))},
                     {"ToolName", Value::string(m.tool_name)},
                     {"ToolCallID", Value::string(m.tool_call_id)}});
}

// Ollama's collate: system messages joined, consecutive same-role messages merged.
std::vector<ChatMessage> collate(const std::vector<ChatMessage>& messages, std::string* system) {
  std::vector<ChatMessage> out;
  system->clear();
  bool have_system = false;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      if (have_system) *system += "\n\n";
      *system += m.content;
      have_system = true;
    }
    if (!out.empty() && out.back().role == m.role && m.role != "tool") {
      out.back().content += "\n\n" + m.content;
    } else {
      out.push_back(m);
    }
  }
  return out;
}

bool auto_response(const Template& tmpl) {
  return !tmpl.uses("messages") && !tmpl.uses("response");
}

std::string legacy_render(const Template& tmpl, const std::vector<ChatMessage>& messages,
                          const ThinkSetting& think) {
  std::string out;
  std::string system, prompt, response;
  auto data = [&]() {
    Value::Entries entries{{"System", Value::string(system)},
                           {"Prompt", Value::string(prompt)},
                           {"Response", Value::string(response)}};
    add_think(entries, think);
    return Value::map(std::move(entries));
  };
  auto execute = [&]() {
    out += tmpl.render(data());
    if (auto_response(tmpl)) out += response;
    system.clear(), prompt.clear(), response.clear();
  };
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      if (!prompt.empty() || !response.empty()) execute();
      system = m.content;
    } else if (m.role == "user") {
      if (!response.empty()) execute();
      prompt = m.content;
    } else if (m.role == "assistant") {
      response = m.content;
    }
  }
  out += tmpl.render_until_response(data());
  if (auto_response(tmpl)) out += response;
  return out;
}

}  // namespace

std::string render_messages(const Template& tmpl, const std::vector<ChatMessage>& messages,
                            const nlohmann::ordered_json& tools, const ThinkSetting& think) {
  std::string system;
  std::vector<ChatMessage> collated = collate(messages, &system);
  if (!tmpl.uses("messages")) return legacy_render(tmpl, collated, think);
  Value::List message_values;
  for (const ChatMessage& m : collated) message_values.push_back(message_value(m));
  Value::List tool_values;
  if (tools.is_array())
    for (const auto& t : tools) tool_values.push_back(tool_value(t));
  Value::Entries entries{{"System", Value::string(system)},
                         {"Messages", Value::list(std::move(message_values))},
                         {"Tools", Value::json_list(std::move(tool_values))},
                         {"Response", Value::string("")}};
  add_think(entries, think);
  return tmpl.render(Value::map(std::move(entries)));
}

ChatPrompt build_chat_prompt(const Template& tmpl, std::vector<ChatMessage> messages,
                             const ChatPromptOptions& options) {
  if (!options.system.empty() && (messages.empty() || messages.front().role != "system"))
    messages.insert(messages.begin(), ChatMessage{"system", options.system, "", 0, {}, "", ""});
  auto systems_before = [&](size_t end) {
    std::vector<ChatMessage> out;
    for (size_t j = 0; j < end; ++j)
      if (messages[j].role == "system") out.push_back(messages[j]);
    return out;
  };
  size_t first = messages.empty() ? 0 : messages.size() - 1;
  bool fit = options.truncate && options.num_ctx > 0;
  if (fit && !options.count_tokens) fail("prompt fitting needs a token counter");
  for (size_t i = first; i-- > 0;) {
    if (!fit) {
      first = i;
      continue;
    }
    std::vector<ChatMessage> candidate = systems_before(i);
    candidate.insert(candidate.end(), messages.begin() + static_cast<std::ptrdiff_t>(i),
                     messages.end());
    size_t tokens =
        options.count_tokens(render_messages(tmpl, candidate, options.tools, options.think));
    for (size_t k = i; k < messages.size(); ++k)
      tokens += options.image_tokens * messages[k].images;
    if (tokens > options.num_ctx) break;
    first = i;
  }
  ChatPrompt result;
  result.first_message = first;
  // Image tags, numbered across the kept messages.
  for (size_t k = first; k < messages.size(); ++k) {
    ChatMessage& m = messages[k];
    std::string prefix;
    for (size_t n = 0; n < m.images; ++n) {
      std::string tag = str_cat("[img-", result.images++, "]");
      size_t marker = m.content.find("[img]");
      if (marker == std::string::npos) {
        prefix += tag;
      } else {
        m.content.replace(marker, 5, tag);
      }
    }
    m.content = prefix + m.content;
  }
  std::vector<ChatMessage> kept = systems_before(first);
  kept.insert(kept.end(), messages.begin() + static_cast<std::ptrdiff_t>(first), messages.end());
  result.prompt = render_messages(tmpl, kept, options.tools, options.think);
  return result;
}

std::string build_generate_prompt(const Template& tmpl, std::string_view prompt,
                                  std::string_view system, std::string_view suffix, size_t images,
                                  const ThinkSetting& think) {
  std::string content;
  for (size_t i = 0; i < images; ++i) content += str_cat("[img-", i, "]");
  content += prompt;
  if (!suffix.empty() && !content.empty()) {
    Value::Entries entries{{"Prompt", Value::string(content)},
                           {"Suffix", Value::string(std::string(suffix))},
                           {"Response", Value::string("")}};
    add_think(entries, think);
    std::string out = tmpl.render(Value::map(std::move(entries)));
    return out;
  }
  // A suffix without a prompt: Ollama passes neither messages nor the suffix.
  std::vector<ChatMessage> messages;
  if (suffix.empty()) {
    if (!system.empty()) messages.push_back({"system", std::string(system), "", 0, {}, "", ""});
    messages.push_back({"user", content, "", 0, {}, "", ""});
  }
  return render_messages(tmpl, messages, nlohmann::ordered_json::array(), think);
}

bool template_supports_tools(const Template& tmpl) {
  return tmpl.uses("tools");
}
bool template_supports_insert(const Template& tmpl) {
  return tmpl.uses("suffix");
}

}  // namespace slimllm
